// Micro-benchmark of embedding-search's per-frame decode: one DetectionBatch with 512-d embeddings,
// from bus bytes to the Float32Array vectors the embedding join keeps, two ways side by side:
//
//   generated  ts-proto's DetectionBatch.decode (each embedding a number[], pushed float by float),
//              then each vector checked and copied into a Float32Array (what the indexer did)
//   f32        the indexer's DetectionBatch reader (each packed embedding copied into a
//              Float32Array in one go), then the same check without the copy
//
//   npm run bench:embedding-decode -- [--quick]     last line of output is the JSON summary
// Rounds alternate which variant goes first; the ratio is f32 time / generated time per round
// (below 1: f32 is cheaper), median over rounds. Single-threaded CPU only: no GPU involved.
import { performance } from 'node:perf_hooks';
import { codecs } from '@va/common';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { detectionBatchF32Codec } from '../services/embedding-search/src/messages/detection-batch-reader.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 5 : 11;
const DECODES = quick ? 2_000 : 5_000;
const DIMS = 512;

function batch(people: number): Uint8Array {
  let seed = 7;
  const next = () => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32) * 2 - 1;
  return DetectionBatch.encode(
    DetectionBatch.fromPartial({
      cameraId: 'cam-1',
      sequence: 1234,
      captureTsMs: Date.now(),
      frameWidth: 768,
      frameHeight: 576,
      streamEpoch: 'e1',
      detector: { name: 'yolox_nano', version: '1' },
      embedder: { name: 'osnet', version: '1' },
      detections: Array.from({ length: people }, (_, i) => ({
        box: { x1: i * 10, y1: 20, x2: i * 10 + 40, y2: 140 },
        score: 0.8,
        classId: 0,
        className: 'person',
        embedding: Array.from({ length: DIMS }, next),
      })),
    }),
  ).finish();
}

/** The former path: number[] from ts-proto, then the join's checking copy into float32. */
function generated(bytes: Uint8Array): number {
  let kept = 0;
  for (const d of codecs.detectionBatch.decode(bytes).detections) {
    const out = new Float32Array(d.embedding.length);
    let norm = 0;
    for (let i = 0; i < d.embedding.length; i++) {
      const v = d.embedding[i] as number;
      if (!Number.isFinite(v)) break;
      norm += v * v;
      out[i] = v;
    }
    if (norm > 0) kept += out.length;
  }
  return kept;
}

/** The reader: float32 straight from the packed bytes, then the join's check (no copy). */
function f32(bytes: Uint8Array): number {
  let kept = 0;
  for (const d of detectionBatchF32Codec.decode(bytes).detections) {
    let norm = 0;
    for (let i = 0; i < d.embedding.length; i++) {
      const v = d.embedding[i] as number;
      if (!Number.isFinite(v)) break;
      norm += v * v;
    }
    if (norm > 0) kept += d.embedding.length;
  }
  return kept;
}

function timeUs(fn: (b: Uint8Array) => number, bytes: Uint8Array): number {
  let sink = 0;
  const started = performance.now();
  for (let i = 0; i < DECODES; i++) sink += fn(bytes);
  const us = ((performance.now() - started) * 1000) / DECODES;
  if (sink === 0) throw new Error('nothing decoded');
  return us;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}

const summary: Record<string, unknown> = {
  bench: 'embedding-decode',
  mode: quick ? 'quick' : 'full',
  dims: DIMS,
  rounds: ROUNDS,
  decodes_per_round: DECODES,
};
for (const people of [6, 20]) {
  const bytes = batch(people);
  if (generated(bytes) !== f32(bytes)) throw new Error('the two decoders disagree');
  // Warm-up: both optimised before timing.
  for (let i = 0; i < 200; i++) {
    generated(bytes);
    f32(bytes);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      a.push(timeUs(generated, bytes));
      b.push(timeUs(f32, bytes));
    } else {
      b.push(timeUs(f32, bytes));
      a.push(timeUs(generated, bytes));
    }
  }
  const ratio = median(b.map((v, i) => v / (a[i] as number)));
  console.log(
    `${people} people (${bytes.length} bytes): generated ${median(a).toFixed(1)} µs, f32 ${median(b).toFixed(1)} µs per batch; f32/generated ${ratio.toFixed(3)}`,
  );
  summary[`people_${people}`] = {
    bytes: bytes.length,
    generated_us: Number(median(a).toFixed(2)),
    f32_us: Number(median(b).toFixed(2)),
    ratio: Number(ratio.toFixed(3)),
  };
}
console.log(JSON.stringify(summary));
