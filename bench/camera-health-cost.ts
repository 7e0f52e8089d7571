// CPU cost of the camera-health checks (issue 22), per frame, side by side in one run on real frames:
// ingest's frame statistics with and without the picture-health signals, the statistics' protobuf
// encode + decode, and sanity-check's picture rules (camera-fault, dark-or-blank-frame, frame-freeze)
// through the rule registry. `node --conditions=source --import tsx bench/camera-health-cost.ts [--quick]`;
// the last line is JSON (microseconds per frame, medians of the rounds).
import { FrameStats } from '@va/proto/va/common/v1/frame';
import { FrameStatsSampler } from '../services/ingest/src/frame-stats.js';
import { loadSanityConfig } from '../services/sanity-check/src/config.js';
import { RuleRegistry } from '../services/sanity-check/src/rules/rule-registry.js';
import { clipStats, PICTURE, statsBatches } from '@va/harness/sanity-scenes/fault-frames';
import { decodeFrames } from '@va/harness/sanity-scenes/video-frames';
import { sharedFile } from '@va/harness/shared';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 5 : 15;
const video = sharedFile('data/video/indoor-people_768x432.mp4');
const { width, height } = PICTURE;

const frames: Uint8Array[] = [];
for await (const f of decodeFrames(video, width, height, { count: 60 })) frames.push(new Uint8Array(f.rgb));

/** Median over rounds of the time per item, in microseconds. */
function timeUs(items: number, body: () => void): number {
  const per: number[] = [];
  body(); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    body();
    per.push(((performance.now() - t) * 1000) / items);
  }
  return per.sort((a, b) => a - b)[Math.floor(per.length / 2)] as number;
}

const sampler = new FrameStatsSampler(width, height, false);
let sink = 0;
const withHealth = timeUs(frames.length * 20, () => {
  for (let k = 0; k < 20; k++) for (const f of frames) sink += sampler.compute(f, 0).meanLuma;
});
// The statistics as they were before issue 22: the same loop over the samples without the health pass.
const lumaOnly = timeUs(frames.length * 20, () => {
  for (let k = 0; k < 20; k++) for (const f of frames) sink += lumaOnlyStats(sampler, f);
});
const stats = await clipStats(video, '', 3, 60);
const encoded = stats.map((s) => FrameStats.encode(s).finish());
const codec = timeUs(stats.length * 20, () => {
  for (let k = 0; k < 20; k++) for (const s of stats) sink += FrameStats.decode(FrameStats.encode(s).finish()).meanLuma;
});
const config = loadSanityConfig({
  VA_SANITY_DISABLED_RULES:
    'track-without-detection,unexplained-detection,class-flip,impossible-motion,invalid-box,low-confidence-spike,drift,latency-slo',
});
const batches = statsBatches(stats, 'bench', 3);
const rules = timeUs(batches.length * 10, () => {
  for (let k = 0; k < 10; k++) {
    const registry = new RuleRegistry(config.rules, 10);
    for (const b of batches) sink += registry.onDetections(b).length;
  }
});

function lumaOnlyStats(s: FrameStatsSampler, f: Uint8Array): number {
  // Reads the same 4096 samples' luma as FrameStatsSampler does before its health pass.
  const positions = (s as unknown as { positions: Int32Array }).positions;
  let sum = 0;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i] as number;
    sum += (77 * (f[p] as number) + 150 * (f[p + 1] as number) + 29 * (f[p + 2] as number)) >> 8;
  }
  return sum;
}

const result = {
  frames: frames.length,
  picture: `${width}x${height}`,
  ingest_stats_us: round(withHealth),
  ingest_luma_only_us: round(lumaOnly),
  ingest_health_extra_us: round(withHealth - lumaOnly),
  stats_encode_decode_us: round(codec),
  stats_bytes: Math.round(encoded.reduce((a, b) => a + b.byteLength, 0) / encoded.length),
  sanity_picture_rules_us: round(rules),
  total_us: round(withHealth + codec + rules),
  goal_us: 200,
  sink: sink > 0 ? 1 : 0,
};
console.log(JSON.stringify(result));

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
