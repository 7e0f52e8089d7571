// Benchmark of the int8 detector against the float one it is made from (yolox_nano_int8 vs
// yolox_nano, CPU provider): raw session images/s at batch 1 and 8 for each ORT intra-op thread
// count, and person recall/precision at IoU 0.5 on every frame of PETS09-S2L1 (not used for
// calibration) through the service's own inference code. One process, one run, interleaved, so
// load from other work falls on every variant alike; prints a last-line JSON object.
//
//   npm run model:int8 && npm run bench:int8 -- [--quick] [--threads 1,2] [--seconds S]
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@va/common';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { detectVideo, readVideoFrames, type RgbImage } from '@va/batching-inference/offline';
import {
  fitImage,
  loadModel,
  ModelRepository,
  pixelSpec,
  TensorWriter,
  type LoadedModel,
} from '@va/batching-inference/serving';
import { readMotGroundTruth, scoreDetections } from '@va/harness/detection-score';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const threadCounts = (option('--threads') ?? '1,2').split(',').map(Number);
const seconds = Number(option('--seconds') ?? (quick ? 1.5 : 6));
// Every frame in a full run; every 5th in a quick one (60 frames).
const frameStep = quick ? 5 : 1;
const shared = resolve(root, process.env.VA_SHARED_DIR ?? '../shared');
const sequence = join(shared, 'data/mot15/PETS09-S2L1');
const video = join(sequence, 'PETS09-S2L1_300frames_768x576_7fps.mp4');
const MODELS = { float: 'yolox_nano', int8: 'yolox_nano_int8' } as const;
const BATCHES = [1, 8];
// The score floor the accuracy test uses; the served threshold (0.1) is reported beside it.
const MIN_SCORES = [0.3, 0.1];

const log = createLogger('bench', 'warn');
const repository = new ModelRepository(join(root, 'services/batching-inference/models'), { sharedDir: shared });
const say = (line: string) => process.stderr.write(`${line}\n`);
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

say(
  `int8 benchmark: ${quick ? 'quick' : 'full'}, ${seconds}s per measurement, threads ${threadCounts.join(',')}, ${availableParallelism()} cpus, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
try {
  repository.resolve(MODELS.int8);
} catch (err) {
  say(`${(err as Error).message}\nmake it first: npm run model:int8`);
  process.exit(1);
}

// --- Accuracy: every frame through the offline detector (the service's code, batches of 8) ---------
const gt = readMotGroundTruth(sequence);
const accuracy: Record<string, Record<string, ReturnType<typeof scoreDetections>>> = {};
for (const [kind, model] of Object.entries(MODELS)) {
  const batches: DetectionBatch[] = [];
  for await (const b of detectVideo({
    video,
    model,
    sharedDir: shared,
    frameStep,
    threads: Math.max(...threadCounts),
    cameraId: 'pets09',
  }))
    batches.push(b);
  accuracy[kind] = Object.fromEntries(
    MIN_SCORES.map((minScore) => [
      String(minScore),
      scoreDetections(batches, gt, {
        className: 'person',
        minScore,
        iouThreshold: 0.5,
        gtFrameOf: (b) => b.sequence + 1,
      }),
    ]),
  );
  for (const minScore of MIN_SCORES) {
    const s = accuracy[kind]?.[String(minScore)] as ReturnType<typeof scoreDetections>;
    say(
      `${kind.padEnd(5)} score >= ${minScore}: recall ${s.recall.toFixed(4)} precision ${s.precision.toFixed(4)} (tp ${s.truePositives}, fp ${s.falsePositives}, fn ${s.falseNegatives}) on ${batches.length} frames`,
    );
  }
}

// --- Throughput: raw session.run, inputs written once from real frames ------------------------------
const frames: RgbImage[] = [];
for await (const f of readVideoFrames(video, { frameStep: 37, maxFrames: 8 })) frames.push(f.image);
const loaded: Array<{ kind: string; threads: number; model: LoadedModel }> = [];
for (const threads of threadCounts) {
  for (const [kind, model] of Object.entries(MODELS)) {
    loaded.push({
      kind,
      threads,
      model: await loadModel(
        repository.resolve(model),
        { session: { intraOpThreads: threads, allowSpinning: false }, providers: ['cpu'] },
        log,
      ),
    });
  }
}
for (const { model } of loaded) {
  const writer = new TensorWriter(pixelSpec(model.spec.config));
  for (let i = 0; i < model.maxBatchSize; i++) {
    const image = frames[i % frames.length] as RgbImage;
    writer.write(model.runner.slot(i), image, fitImage(image.width, image.height, model.spec.config.input));
  }
  await model.runner.run(model.maxBatchSize);
}
// CPU time of this process per image too: a second thread that only halves latency costs the
// pipeline's other processes their core.
const totals = new Map<string, { images: number; ms: number; cpuMs: number }>();
const rounds = quick ? 2 : 4;
for (let r = 0; r < rounds; r++) {
  for (const { kind, threads, model } of loaded) {
    for (const batch of BATCHES) {
      const key = `${kind}/t${threads}/b${batch}`;
      const t = totals.get(key) ?? { images: 0, ms: 0, cpuMs: 0 };
      const cpu = process.cpuUsage();
      const start = performance.now();
      while (performance.now() - start < (seconds * 1000) / rounds) {
        await model.runner.run(batch);
        t.images += batch;
      }
      t.ms += performance.now() - start;
      const used = process.cpuUsage(cpu);
      t.cpuMs += (used.user + used.system) / 1000;
      totals.set(key, t);
    }
  }
}
const total = (kind: string, threads: number, batch: number) =>
  totals.get(`${kind}/t${threads}/b${batch}`) as { images: number; ms: number; cpuMs: number };
const ips = (kind: string, threads: number, batch: number) =>
  (total(kind, threads, batch).images * 1000) / total(kind, threads, batch).ms;
const cpuPerImage = (kind: string, threads: number, batch: number) =>
  total(kind, threads, batch).cpuMs / total(kind, threads, batch).images;
const throughput: Record<string, Record<string, Record<string, number>>> = {};
for (const threads of threadCounts) {
  for (const batch of BATCHES) {
    const f = ips('float', threads, batch);
    const q = ips('int8', threads, batch);
    const fc = cpuPerImage('float', threads, batch);
    const qc = cpuPerImage('int8', threads, batch);
    (throughput[`threads_${threads}`] ??= {})[`batch_${batch}`] = {
      float_ips: round(f, 1),
      int8_ips: round(q, 1),
      int8_speedup: round(q / f),
      float_cpu_ms_per_image: round(fc, 2),
      int8_cpu_ms_per_image: round(qc, 2),
    };
    say(
      `threads ${threads} batch ${batch}: float ${f.toFixed(1)} img/s (${fc.toFixed(1)} cpu ms/img), int8 ${q.toFixed(1)} img/s (${qc.toFixed(1)} cpu ms/img), x${(q / f).toFixed(2)}`,
    );
  }
}
const threadGain = (kind: string, batch: number) =>
  round(ips(kind, Math.max(...threadCounts), batch) / ips(kind, Math.min(...threadCounts), batch));
await Promise.all(loaded.map(({ model }) => model.runner.release()));

const acc = (kind: string, minScore: number) => {
  const s = accuracy[kind]?.[String(minScore)] as ReturnType<typeof scoreDetections>;
  return {
    recall: round(s.recall, 4),
    precision: round(s.precision, 4),
    tp: s.truePositives,
    fp: s.falsePositives,
    fn: s.falseNegatives,
  };
};
// The criterion (int8 may lose at most 2 points of recall), at the accuracy test's score
// floor and at the threshold the service serves with.
const recallDropPoints = Object.fromEntries(
  MIN_SCORES.map((m) => [`score_${m}`, round((acc('float', m).recall - acc('int8', m).recall) * 100, 2)]),
);
const result = {
  bench: 'int8',
  mode: quick ? 'quick' : 'full',
  ep: loaded[0]?.model.ep,
  cpus: availableParallelism(),
  models: MODELS,
  batching: Object.fromEntries(
    loaded.filter((l) => l.threads === threadCounts[0]).map((l) => [l.kind, l.model.batching]),
  ),
  frames_scored: Math.ceil(300 / frameStep),
  accuracy: Object.fromEntries(MIN_SCORES.map((m) => [`score_${m}`, { float: acc('float', m), int8: acc('int8', m) }])),
  recall_drop_points: recallDropPoints,
  int8_within_2_points: Object.values(recallDropPoints).every((d) => d <= 2),
  throughput,
  thread_gain: Object.fromEntries(
    BATCHES.map((b) => [`batch_${b}`, { float: threadGain('float', b), int8: threadGain('int8', b) }]),
  ),
  load_avg: loadavg().map((l) => round(l, 2)),
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(
  join(root, 'bench/results', `int8-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  JSON.stringify(result, null, 2),
);
console.log(JSON.stringify(result));
process.exit(0);
