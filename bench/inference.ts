// Benchmark of batching-inference: how close the batched service path comes to raw
// session.run, what dynamic batching buys at the same concurrency, latency, and the cost of
// preprocessing. One process, one run, side by side; prints a last-line JSON object.
//
//   npm run bench:inference -- [--quick] [--threads N] [--seconds S]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Registry } from 'prom-client';
import { createLogger, createRegistry } from '@va/common';
import { decodeImage, type RgbImage } from '@va/batching-inference/offline';
import {
  fitImage,
  InferenceMetrics,
  loadModel,
  ModelRepository,
  pixelSpec,
  ServedModel,
  TensorWriter,
  type LoadedModel,
} from '@va/batching-inference/serving';
import { quantile } from '@va/harness/statistics';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const arg = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const threads = arg('--threads', Math.min(2, availableParallelism()));
const seconds = arg('--seconds', quick ? 2.5 : 8);
const shared = resolve(root, process.env.VA_SHARED_DIR ?? '../shared');
const log = createLogger('bench', 'warn');
const repository = new ModelRepository(join(root, 'services/batching-inference/models'), { sharedDir: shared });
const settings = { session: { intraOpThreads: threads, allowSpinning: false }, providers: ['cpu' as const] };

const say = (line: string) => process.stderr.write(`${line}\n`);
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

interface Sample {
  images: number;
  ms: number;
  latencies: number[];
  batches: number;
}

/** Raw session.run at `batch`, inputs prefilled once: the ceiling the service is measured against. */
function raw(
  model: LoadedModel,
  batch: number,
  fill: (slot: Float32Array | Uint8Array, i: number) => void,
): (ms: number) => Promise<Sample> {
  return async (ms) => {
    for (let i = 0; i < batch; i++) fill(model.runner.slot(i), i);
    await model.runner.run(batch);
    const start = performance.now();
    let images = 0;
    let batches = 0;
    while (performance.now() - start < ms) {
      await model.runner.run(batch);
      images += batch;
      batches++;
    }
    return { images, ms: performance.now() - start, latencies: [], batches };
  };
}

/** Closed loop through the batcher: `concurrency` callers each submit, wait, submit again. */
function closedLoop(
  s: ServedModel,
  concurrency: number,
  submit: (s: ServedModel, i: number) => Promise<unknown>,
): (ms: number) => Promise<Sample> {
  return async (ms) => {
    const warmEnd = performance.now() + 300;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, c) => {
        while (performance.now() < warmEnd) await submit(s, c);
      }),
    );
    const executions = s.batcher.stats.executionCount;
    const latencies: number[] = [];
    const start = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, c) => {
        let i = c;
        while (performance.now() - start < ms) {
          const t0 = performance.now();
          await submit(s, i++);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    return {
      images: latencies.length,
      ms: performance.now() - start,
      latencies,
      batches: s.batcher.stats.executionCount - executions,
    };
  };
}

/**
 * Runs every scenario for `seconds` in total, in `rounds` interleaved slices, so load from other
 * work on a shared machine falls on all of them alike.
 */
async function interleaved(
  scenarios: Record<string, (ms: number) => Promise<Sample>>,
  rounds: number,
): Promise<Record<string, { ips: number; p50: number; p95: number; meanBatch: number }>> {
  const totals: Record<string, Sample> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(scenarios)) {
      const sample = await run((seconds * 1000) / rounds);
      const t = (totals[name] ??= { images: 0, ms: 0, latencies: [], batches: 0 });
      t.images += sample.images;
      t.ms += sample.ms;
      t.batches += sample.batches;
      t.latencies.push(...sample.latencies);
    }
  }
  return Object.fromEntries(
    Object.entries(totals).map(([name, t]) => [
      name,
      {
        ips: (t.images * 1000) / t.ms,
        p50: quantile(t.latencies, 0.5),
        p95: quantile(t.latencies, 0.95),
        meanBatch: t.images / Math.max(1, t.batches),
      },
    ]),
  );
}

function served(
  model: LoadedModel,
  batching: { maxBatchSize: number; preferredBatchSizes: number[]; maxQueueDelayMs: number; padToPreferred?: boolean },
): ServedModel & { metricsRegistry: Registry } {
  const config = {
    ...model.spec.config,
    batching: { ...model.spec.config.batching, ...batching, maxQueueSize: 10_000, timeoutMs: 60_000 },
  };
  const spec = { ...model.spec, config };
  const registry = createRegistry();
  return Object.assign(
    new ServedModel({ ...model, spec, maxBatchSize: batching.maxBatchSize }, new InferenceMetrics(registry, 'bench_')),
    { metricsRegistry: registry },
  );
}

const petsFrames = await Promise.all(
  [1, 100, 200, 300].map(async (n) =>
    decodeImage(readFileSync(join(shared, `data/mot15/PETS09-S2L1/img1/${String(n).padStart(6, '0')}.jpg`))),
  ),
);
const gtBoxes = readFileSync(join(shared, 'data/mot15/PETS09-S2L1/gt/gt.txt'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('1,'))
  .map((l) => l.split(',').map(Number))
  .map(([, , x = 0, y = 0, w = 0, h = 0]) => ({ x, y, width: w, height: h }));
const frame1 = petsFrames[0] as RgbImage;

say(
  `batching-inference benchmark: ${quick ? 'quick' : 'full'}, ${seconds}s per measurement, ${threads} ORT threads, ${availableParallelism()} cpus, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

// --- Scenarios ------------------------------------------------------------------------------------
const osnet = await loadModel(repository.resolve('osnet_x0_25_msmt17'), settings, log);
const yoloxSpec = repository.resolve('yolox_nano');
const yolox = await loadModel(
  { ...yoloxSpec, config: { ...yoloxSpec.config, inGraph: { normalize: false, postprocess: false } } },
  settings,
  log,
);
const yoloxInGraph = await loadModel(
  { ...yoloxSpec, config: { ...yoloxSpec.config, inGraph: { normalize: true, postprocess: true } } },
  settings,
  log,
);
const B = 8;
const C = 32;
const YB = 4;
const osnetWriter = new TensorWriter(pixelSpec(osnet.spec.config));
const yoloxWriter = new TensorWriter(pixelSpec(yolox.spec.config));
const placement = fitImage(768, 576, yolox.spec.config.input);
const boxOf = (i: number) => {
  const b = gtBoxes[i % gtBoxes.length] as (typeof gtBoxes)[number];
  return { x: b.x, y: b.y, width: b.width, height: b.height };
};
// Crops already at the embedder's input size, and frames already letterboxed to the detector's
// (as ingest can send them): the service then only normalises, no resize.
const presizedCrops = await Promise.all(
  gtBoxes.map(async (b) => {
    const { data } = await sharp(frame1.data, { raw: { width: frame1.width, height: frame1.height, channels: 3 } })
      .extract({
        left: Math.round(b.x),
        top: Math.round(b.y),
        width: Math.round(b.width),
        height: Math.round(b.height),
      })
      .resize(128, 256, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data), width: 128, height: 256, order: 'RGB' as const };
  }),
);
const letterboxedFrames = await Promise.all(
  petsFrames.map(async (f) => {
    const { data } = await sharp(f.data, { raw: { width: f.width, height: f.height, channels: 3 } })
      .resize(placement.width, placement.height, { fit: 'fill' })
      .extend({ bottom: 416 - placement.height, right: 416 - placement.width, background: { r: 114, g: 114, b: 114 } })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data), width: 416, height: 416, order: 'RGB' as const };
  }),
);
const letterbox = { scale: placement.width / 768, padX: 0, padY: 0 };

const batchedOsnet = served(osnet, { maxBatchSize: B, preferredBatchSizes: [B], maxQueueDelayMs: 2 });
const presizedOsnet = served(osnet, { maxBatchSize: B, preferredBatchSizes: [B], maxQueueDelayMs: 2 });
const unbatchedOsnet = served(osnet, { maxBatchSize: 1, preferredBatchSizes: [], maxQueueDelayMs: 0 });
// 12 callers against batches of 8 leave odd-sized batches: padding them to 8 is what a fixed-profile engine needs; on CPU it is extra work.
const padded = served(osnet, { maxBatchSize: B, preferredBatchSizes: [B], maxQueueDelayMs: 0, padToPreferred: true });
const unpadded = served(osnet, {
  maxBatchSize: B,
  preferredBatchSizes: [B],
  maxQueueDelayMs: 0,
  padToPreferred: false,
});
const yoloxServed = served(yolox, { maxBatchSize: YB, preferredBatchSizes: [YB], maxQueueDelayMs: 5 });
const yoloxInGraphServed = served(yoloxInGraph, { maxBatchSize: YB, preferredBatchSizes: [YB], maxQueueDelayMs: 5 });
const embedCrop = (s: ServedModel, i: number) => s.embed(frame1, boxOf(i));
const embedPresized = (s: ServedModel, i: number) => s.embed(presizedCrops[i % presizedCrops.length] as RgbImage);
const detectFrame = (s: ServedModel, i: number) => {
  const image = petsFrames[i % 4] as RgbImage;
  return s.detect({ image, sourceWidth: image.width, sourceHeight: image.height });
};
const detectLetterboxed = (s: ServedModel, i: number) =>
  s.detect({ image: letterboxedFrames[i % 4] as RgbImage, sourceWidth: 768, sourceHeight: 576, letterbox });

const m = await interleaved(
  {
    osnet_raw_1: raw(osnet, 1, (slot, i) =>
      osnetWriter.write(slot, frame1, fitImage(boxOf(i).width, boxOf(i).height, osnet.spec.config.input), boxOf(i)),
    ),
    osnet_raw_b: raw(osnet, B, (slot, i) =>
      osnetWriter.write(slot, frame1, fitImage(boxOf(i).width, boxOf(i).height, osnet.spec.config.input), boxOf(i)),
    ),
    osnet_batched: closedLoop(batchedOsnet, C, embedCrop),
    osnet_batching_off: closedLoop(unbatchedOsnet, C, embedCrop),
    osnet_batched_presized: closedLoop(presizedOsnet, C, embedPresized),
    osnet_odd_batches_padded: closedLoop(padded, 12, embedCrop),
    osnet_odd_batches_unpadded: closedLoop(unpadded, 12, embedCrop),
    yolox_raw: raw(yolox, YB, (slot, i) => yoloxWriter.write(slot, petsFrames[i % 4] as RgbImage, placement)),
    yolox_frames: closedLoop(yoloxServed, 4 * YB, detectFrame),
    yolox_letterboxed: closedLoop(yoloxServed, 4 * YB, detectLetterboxed),
    yolox_in_graph: closedLoop(yoloxInGraphServed, 4 * YB, detectFrame),
  },
  quick ? 2 : 4,
);
for (const [name, v] of Object.entries(m)) {
  say(
    `${name.padEnd(24)} ${v.ips.toFixed(1).padStart(7)} img/s${Number.isNaN(v.p95) ? '' : `   mean batch ${v.meanBatch.toFixed(2)}   p50 ${v.p50.toFixed(1)} ms   p95 ${v.p95.toFixed(1)} ms`}`,
  );
}
const get = (name: string) => m[name] as { ips: number; p50: number; p95: number; meanBatch: number };

// --- Preprocessing a 768x576 frame for the detector: own fused writer vs sharp ----------------------
const preN = quick ? 40 : 200;
const slot = new Float32Array(3 * 416 * 416);
let t0 = performance.now();
for (let i = 0; i < preN; i++) yoloxWriter.write(slot, petsFrames[i % 4] as RgbImage, placement);
const jsMs = (performance.now() - t0) / preN;
const rawWriter = new TensorWriter({ ...pixelSpec(yolox.spec.config), raw: false });
t0 = performance.now();
for (let i = 0; i < preN; i++) {
  const image = petsFrames[i % 4] as RgbImage;
  const { data } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(placement.width, placement.height, { kernel: 'linear', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  rawWriter.write(
    slot,
    {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: placement.width,
      height: placement.height,
      order: 'RGB',
    },
    placement,
  );
}
const sharpMs = (performance.now() - t0) / preN;
say(
  `preprocess 768x576 -> 416x416 letterbox tensor: fused JS ${jsMs.toFixed(2)} ms, sharp resize + JS normalise ${sharpMs.toFixed(2)} ms`,
);

/** Mean per-batch phase times of a served model, from its compute histogram. */
async function phases(s: ServedModel & { metricsRegistry: Registry }): Promise<Record<string, number>> {
  const metric = s.metricsRegistry.getSingleMetric('bench_compute_duration_seconds');
  const values = (metric ? (await metric.get()).values : []) as Array<{
    value: number;
    labels: Record<string, string | number>;
    metricName?: string;
  }>;
  const out: Record<string, number> = {};
  for (const phase of ['input', 'infer', 'output']) {
    const sum = values.find((v) => v.metricName?.endsWith('_sum') && v.labels.phase === phase)?.value ?? 0;
    const count = values.find((v) => v.metricName?.endsWith('_count') && v.labels.phase === phase)?.value ?? 1;
    out[phase] = round((sum / Math.max(1, count)) * 1000, 2);
  }
  return out;
}
const osnetPhases = await phases(batchedOsnet);
const presizedPhases = await phases(presizedOsnet);
say(`osnet per batch of ${B}: crops ${JSON.stringify(osnetPhases)} ms; presized ${JSON.stringify(presizedPhases)} ms`);
const plainPhases = await phases(yoloxServed);
const inGraphPhases = await phases(yoloxInGraphServed);
say(
  `yolox per batch of ${YB}, plain: ${JSON.stringify(plainPhases)} ms; in-graph: ${JSON.stringify(inGraphPhases)} ms`,
);
await Promise.all([batchedOsnet.unload(), yoloxServed.unload(), yoloxInGraphServed.unload()]);

const result = {
  bench: 'inference',
  mode: quick ? 'quick' : 'full',
  ep: osnet.ep,
  threads,
  cpus: availableParallelism(),
  gpu: 'none available to this run',
  model: 'osnet_x0_25_msmt17',
  batch_size: B,
  concurrency: C,
  raw_ips: round(get('osnet_raw_b').ips, 1),
  service_ips: round(get('osnet_batched').ips, 1),
  efficiency: round(get('osnet_batched').ips / get('osnet_raw_b').ips),
  efficiency_presized: round(get('osnet_batched_presized').ips / get('osnet_raw_b').ips),
  batching_off_ips: round(get('osnet_batching_off').ips, 1),
  batching_gain: round(get('osnet_batched').ips / get('osnet_batching_off').ips),
  raw_batch_gain: round(get('osnet_raw_b').ips / get('osnet_raw_1').ips),
  pad_to_preferred_gain: round(get('osnet_odd_batches_padded').ips / get('osnet_odd_batches_unpadded').ips),
  phases_ms: { crops: osnetPhases, presized: presizedPhases },
  p50_ms: round(get('osnet_batched').p50, 1),
  p95_ms: round(get('osnet_batched').p95, 1),
  mean_batch: round(get('osnet_batched').meanBatch, 2),
  yolox: {
    batch_size: YB,
    batching: yolox.batching,
    raw_ips: round(get('yolox_raw').ips, 1),
    service_ips: round(get('yolox_frames').ips, 1),
    efficiency: round(get('yolox_frames').ips / get('yolox_raw').ips),
    efficiency_letterboxed: round(get('yolox_letterboxed').ips / get('yolox_raw').ips),
    p95_ms: round(get('yolox_frames').p95, 1),
    in_graph_ips: round(get('yolox_in_graph').ips, 1),
    in_graph_gain: round(get('yolox_in_graph').ips / get('yolox_frames').ips),
    phases_ms: { plain: plainPhases, in_graph: inGraphPhases },
  },
  preprocess_ms: { fused_js: round(jsMs, 2), sharp_resize: round(sharpMs, 2) },
  load_avg: loadavg().map((l) => round(l, 2)),
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(
  join(root, 'bench/results', `inference-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  JSON.stringify(result, null, 2),
);
console.log(JSON.stringify(result));
process.exit(0);
