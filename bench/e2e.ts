// Benchmark of the whole pipeline on this machine: the camera-fleet simulator (loadtest/) replays
// the real clips through the real ingest into all five services (started by the same launcher as
// the demo), stepping the number of streams at 5 fps each. Per step, after a warm-up: p95 capture →
// tracks from the TrackUpdates' own timestamps, the share of frames shed, and the error ratio.
//
//   streams, fps_per_stream, p95_capture_to_tracks_ms, drop_ratio, error_ratio
//                       the "normal" load (2 streams × 5 fps, as the demo and the load test)
//   max_streams_at_slo  the largest stream count sustained: every step up to it had p95 capture →
//                       tracks < 200 ms, at most 1 % of frames shed and errors < 0.1 %
//   cpu_ms_per_frame, cpu_ms_per_frame_by_process, bytes_per_frame_bus, es_docs_per_frame
//                       what one frame costs (loadtest/pipeline-cost.ts): CPU of every pipeline
//                       process and its children (nats-server and Elasticsearch included), bus
//                       bytes and documents indexed over the measured window ÷ frames read at ingest
//   idle_cpu_ms_per_s_by_process   the same processes for 5 s before any stream (Elasticsearch is
//                       shared: its idle figure is the other work it does meanwhile)
//   last_step           the largest step that ran (usually past what the machine sustains):
//                       streams, shed share, and p95 capture → tracks of the frames it processed
//                       (shedding must keep the survivors fresh: the 10× load test asks < 500 ms)
//
//   ablation            with --ablation: the normal load once per cost lever (bench/e2e/ablation-levers.ts:
//                       baseline, detect_every 2, motion gate, int8, ORT threads 2, letterbox off,
//                       combined), each on a fresh pipeline, all levers in turn per round so the
//                       machine's noise hits them alike; the summary's normal-load keys are the
//                       first round's baseline, max_streams_at_slo is null (no stepping). Each entry
//                       adds detected_share (frames through the detector ÷ frames read),
//                       inference_cpu_ms_per_detected_frame and cpu_ms_per_kept_frame (÷ frames not
//                       shed): a busy machine sheds, and shed frames make cpu_ms_per_frame look cheaper
//
//   npm run bench:e2e -- [--quick] [--threads=N] [--max-streams=N]     last line of output is the JSON summary
//   npm run bench:e2e -- --ablation [--quick] [--rounds=N] [--levers=baseline,int8,...]
// Without --max-streams the steps stop at the first one past the normal load that is not
// sustained; with it, every step up to N runs (to see the cost and latency beyond the objective).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultInferenceThreads } from '@va/harness/pipeline/pipeline-env';
import { scrapePipeline } from '@va/harness/pipeline/pipeline-scrape';
import { FleetSimulator } from '../loadtest/fleet-simulator.js';
import { machineNow, summarise } from '../loadtest/load-report.js';
import { PipelineCostMeter, type CostFigures } from '../loadtest/pipeline-cost.js';
import { PipelineSampler } from '../loadtest/pipeline-sampler.js';
import { REPO_ROOT, sharedDir } from '@va/harness/shared';
import { startWholePipeline, type WholePipeline } from '@va/harness/whole-pipeline';
import { leverUnavailable, selectLevers, type LeverConfig } from './e2e/ablation-levers.js';
import { printAblation, type AblationEntry } from './e2e/ablation-table.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    threads: { type: 'string' },
    'max-streams': { type: 'string' },
    ablation: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    levers: { type: 'string' },
  },
});
const quick = values.quick;
const FPS = 5;
const NORMAL_STREAMS = 2;
const WARMUP_S = quick ? 6 : 10;
const MEASURE_S = quick ? 15 : 30;
const IDLE_S = 5;
const MAX_STREAMS = Number(values['max-streams'] ?? (quick ? 5 : 8));
const STOP_WHEN_UNSUSTAINED = values['max-streams'] === undefined;
if (!Number.isInteger(MAX_STREAMS) || MAX_STREAMS < 1 || MAX_STREAMS > 64) {
  console.error(
    `--max-streams must be a whole number from 1 to 64 (ingest's stream limit), got ${values['max-streams']}`,
  );
  process.exit(2);
}
const ABLATION = values.ablation;
const ROUNDS = Number(values.rounds ?? 1);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 10) {
  console.error(`--rounds must be a whole number from 1 to 10, got ${values.rounds}`);
  process.exit(2);
}
let levers: LeverConfig[] = [];
try {
  levers = ABLATION ? selectLevers(values.levers) : [];
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
for (const l of levers) {
  const why = leverUnavailable(l);
  if (why) {
    console.error(`lever ${l.name}: ${why}`);
    process.exit(2);
  }
}
const SLO = { p95CaptureToTracksMs: 200, dropRatio: 0.01, errorRatio: 0.001 };
const threads = values.threads ? Number(values.threads) : defaultInferenceThreads();
const videos = join(sharedDir(), 'data', 'video');
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Step {
  streams: number;
  p95_capture_to_detections_ms: number;
  p95_capture_to_tracks_ms: number;
  p50_capture_to_tracks_ms: number;
  p95_capture_to_indexed_ms: number;
  tracked_fps: number;
  drop_ratio: number;
  error_ratio: number;
  sustained: boolean;
  cpu_ms_per_frame: number | null;
  cpu_ms_per_frame_by_process: Record<string, number>;
  bytes_per_frame_bus: number | null;
  es_docs_per_frame: number | null;
  /** Frames that went through the detector ÷ frames read (below 1: scheduled or gated skips, or shed). */
  detected_share: number | null;
  cost: CostFigures;
}

/** One step's figures: the sampler's samples and the cost meter over MEASURE_S, after the warm-up. */
async function measureStep(
  n: number,
  w: WholePipeline,
  sampler: PipelineSampler,
  cost: PipelineCostMeter,
): Promise<Step> {
  await sleep(WARMUP_S * 1000);
  const from = sampler.samples.length;
  const detectedFrom = await framesThroughDetector(w);
  const costFrom = await cost.read();
  await sleep(MEASURE_S * 1000);
  const c = cost.between(costFrom, await cost.read());
  const detected = (await framesThroughDetector(w)) - detectedFrom;
  const s = summarise(sampler, from, sampler.samples.length);
  return {
    streams: n,
    p95_capture_to_detections_ms: Math.round(s.latencyMs.captureToDetections.p95),
    p95_capture_to_tracks_ms: Math.round(s.latencyMs.captureToTracks.p95),
    p50_capture_to_tracks_ms: Math.round(s.latencyMs.captureToTracks.p50),
    p95_capture_to_indexed_ms: Math.round(s.latencyMs.captureToIndexed.p95),
    tracked_fps: Number(s.trackedFps.toFixed(2)),
    drop_ratio: Number(s.dropRatio.toFixed(4)),
    error_ratio: Number(s.errorRatio.toFixed(5)),
    sustained:
      s.latencyMs.captureToTracks.p95 < SLO.p95CaptureToTracksMs &&
      s.dropRatio <= SLO.dropRatio &&
      s.errorRatio < SLO.errorRatio,
    cpu_ms_per_frame: c.cpu_ms_per_frame,
    cpu_ms_per_frame_by_process: c.cpu_ms_per_frame_by_process,
    bytes_per_frame_bus: c.bytes_per_frame_bus,
    es_docs_per_frame: c.es_docs_per_frame,
    detected_share: c.frames_read > 0 ? Number((detected / c.frames_read).toFixed(3)) : null,
    cost: c,
  };
}

/** Frames inference published with detections run (published minus those left to the tracker). */
async function framesThroughDetector(w: WholePipeline): Promise<number> {
  const m = (await scrapePipeline(w.pipeline)).metrics['batching-inference'];
  return m ? m.sum('va_inference_frames_published_total') - m.sum('va_inference_frames_not_detected_total') : 0;
}

const stepLine = (step: Step) =>
  `detected ${step.detected_share === null ? '–' : `${Math.round(100 * step.detected_share)} %`} of frames, p95 capture→tracks ${step.p95_capture_to_tracks_ms} ms, tracked ${step.tracked_fps} fps, shed ${(100 * step.drop_ratio).toFixed(1)} %, errors ${step.error_ratio}, CPU ${step.cpu_ms_per_frame} ms/frame ${JSON.stringify(step.cpu_ms_per_frame_by_process)}${step.sustained ? '' : '  (not sustained)'}`;

interface PipelineRun {
  steps: Step[];
  idleCpuMsPerS: Record<string, number>;
  crashes: string[];
}

/**
 * A fresh whole pipeline with `lever`'s settings, the idle reading (when asked), then `streamCounts`
 * in turn (the fleet grown to each), stopped early by `stopAfter`; the pipeline is disposed after.
 */
async function runPipeline(
  name: string,
  lever: LeverConfig | undefined,
  streamCounts: number[],
  o: { idle: boolean; stopAfter?: (s: Step) => boolean },
): Promise<PipelineRun> {
  const w = await startWholePipeline(name, {
    fileRoot: videos,
    inferenceThreads: lever?.threads ?? threads,
    logLevel: 'warn',
    env: lever?.env ?? {},
  });
  const steps: Step[] = [];
  let sampler: PipelineSampler | undefined;
  let idleCpuMsPerS: Record<string, number> = {};
  try {
    sampler = await PipelineSampler.start(w.pipeline);
    const cost = PipelineCostMeter.open(w);
    if (cost.unmetered.length > 0) log(`CPU not metered for: ${cost.unmetered.join(', ')}`);
    if (o.idle) {
      // The pipeline idle, before any stream: what the processes cost without frames, and how busy
      // the shared Elasticsearch node is with other work.
      const idleFrom = await cost.read();
      await sleep(IDLE_S * 1000);
      const idle = cost.between(idleFrom, await cost.read());
      idleCpuMsPerS = Object.fromEntries(
        Object.entries(idle.cpu_ms_by_process).map(([n, ms]) => [n, Math.round(ms / idle.window_s)]),
      );
      log(`idle pipeline, CPU ms per second: ${JSON.stringify(idleCpuMsPerS)}`);
    }
    const fleet = new FleetSimulator(w.pipeline.clients);
    for (const n of streamCounts) {
      await fleet.grow({ streams: n, fps: FPS, source: 'clips', videos, letterbox: lever?.letterbox ?? true });
      await fleet.waitRunning();
      const step = await measureStep(n, w, sampler, cost);
      steps.push(step);
      log(`${lever ? `${lever.name}: ` : ''}${n} streams × ${FPS} fps: ${stepLine(step)}`);
      if (w.crashes.length > 0 || o.stopAfter?.(step)) break;
    }
    await sampler.stop();
    await fleet.clear();
  } finally {
    // On an error the sampler's interval and bus connection would otherwise keep the process alive.
    await sampler?.stop();
    await w.dispose().catch((err: unknown) => log(`after the run: ${String(err)}`));
  }
  return { steps, idleCpuMsPerS, crashes: w.crashes.map((c) => `${c.service} exited ${c.code}`) };
}

const loadBefore = machineNow().load;
let steps: Step[] = [];
let idleCpuMsPerS: Record<string, number> = {};
const crashes: string[] = [];
const ablation: AblationEntry[] = [];
if (!ABLATION) {
  const counts = Array.from({ length: MAX_STREAMS }, (_, i) => i + 1);
  // Past the normal load, stop at the first step the machine does not sustain.
  const r = await runPipeline('bench-e2e', undefined, counts, {
    idle: true,
    stopAfter: (s) => STOP_WHEN_UNSUSTAINED && !s.sustained && s.streams >= NORMAL_STREAMS,
  });
  ({ steps, idleCpuMsPerS } = r);
  crashes.push(...r.crashes);
} else {
  log(
    `ablation: ${levers.map((l) => l.name).join(', ')}; ${ROUNDS} round(s) at ${NORMAL_STREAMS} streams × ${FPS} fps, ${WARMUP_S} s warm-up, ${MEASURE_S} s measured each`,
  );
  for (let round = 1; round <= ROUNDS; round++) {
    // Each round starts one lever further on, so no lever always runs first or last.
    const order = levers.map((_, i) => levers[(i + round - 1) % levers.length] as LeverConfig);
    for (const lever of order) {
      const first = round === 1 && lever === levers[0];
      let r: PipelineRun;
      try {
        r = await runPipeline(`bench-e2e-${lever.name.replace(/_/g, '-')}`, lever, [NORMAL_STREAMS], { idle: first });
      } catch (err) {
        // One lever that does not start (a model that fails its load checks) leaves the others' figures.
        log(`${lever.name}: ${err instanceof Error ? err.message : String(err)}`);
        crashes.push(`${lever.name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        continue;
      }
      const step = r.steps[0];
      crashes.push(...r.crashes.map((c) => `${lever.name}: ${c}`));
      if (first) idleCpuMsPerS = r.idleCpuMsPerS;
      if (lever.name === 'baseline' && round === 1 && step) steps = [step];
      if (!step) continue;
      ablation.push({
        lever: lever.name,
        what: lever.what,
        round,
        cpu_ms_per_frame: step.cpu_ms_per_frame,
        inference_cpu_ms_per_frame: step.cpu_ms_per_frame_by_process['batching-inference'] ?? null,
        cpu_ms_per_frame_by_process: step.cpu_ms_per_frame_by_process,
        p95_capture_to_tracks_ms: step.p95_capture_to_tracks_ms,
        drop_ratio: step.drop_ratio,
        error_ratio: step.error_ratio,
        tracked_fps: step.tracked_fps,
        frames_read: step.cost.frames_read,
        detected_share: step.detected_share,
        inference_cpu_ms_per_detected_frame: perDetected(step),
        cpu_ms_per_kept_frame:
          step.cpu_ms_per_frame !== null && step.drop_ratio < 1
            ? Number((step.cpu_ms_per_frame / (1 - step.drop_ratio)).toFixed(1))
            : null,
        sustained: step.sustained,
        load: machineNow().load,
        crashes: r.crashes,
      });
    }
  }
  printAblation(ablation);
}

function perDetected(step: Step): number | null {
  const ms = step.cost.cpu_ms_by_process['batching-inference'];
  const detected = step.detected_share !== null ? step.detected_share * step.cost.frames_read : 0;
  return ms !== undefined && detected > 0 ? Number((ms / detected).toFixed(1)) : null;
}

let maxAtSlo = 0;
for (const s of steps) {
  if (!s.sustained) break;
  maxAtSlo = s.streams;
}
const normal = steps.find((s) => s.streams === NORMAL_STREAMS);
const lastStep = (s: Step) => ({
  streams: s.streams,
  drop_ratio: s.drop_ratio,
  p95_capture_to_tracks_ms_processed: s.p95_capture_to_tracks_ms,
  tracked_fps: s.tracked_fps,
});
const summary = {
  streams: NORMAL_STREAMS,
  fps_per_stream: FPS,
  p95_capture_to_tracks_ms: normal?.p95_capture_to_tracks_ms ?? null,
  p95_capture_to_detections_ms: normal?.p95_capture_to_detections_ms ?? null,
  p95_capture_to_indexed_ms: normal?.p95_capture_to_indexed_ms ?? null,
  drop_ratio: normal?.drop_ratio ?? null,
  error_ratio: normal?.error_ratio ?? null,
  cpu_ms_per_frame: normal?.cpu_ms_per_frame ?? null,
  cpu_ms_per_frame_by_process: normal?.cpu_ms_per_frame_by_process ?? null,
  bytes_per_frame_bus: normal?.bytes_per_frame_bus ?? null,
  es_docs_per_frame: normal?.es_docs_per_frame ?? null,
  idle_cpu_ms_per_s_by_process: idleCpuMsPerS,
  max_streams_at_slo: ABLATION ? null : maxAtSlo,
  last_step: steps.length > 0 ? lastStep(steps[steps.length - 1] as Step) : null,
  slo: {
    p95_capture_to_tracks_ms_below: SLO.p95CaptureToTracksMs,
    drop_ratio_at_most: SLO.dropRatio,
    error_ratio_below: SLO.errorRatio,
  },
  inference_threads: threads,
  warmup_s: WARMUP_S,
  measure_s: MEASURE_S,
  max_streams: MAX_STREAMS,
  crashes,
  machine: { ...machineNow(), load_before: loadBefore, load_after: machineNow().load },
  steps,
  ...(ABLATION ? { rounds: ROUNDS, ablation } : {}),
};
const dir = join(REPO_ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `e2e-${Date.now()}.json`), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary));
