// Tracking benchmark: detections (pluggable source) -> tracker variants -> CLEAR MOT / IDF1 on
// MOT15 PETS09-S2L1 and TUD-Campus, plus tracker-only frames/s. Prints a table and, last, one
// JSON line. Usage: npm run bench:tracking -- [--quick] [--source yolox|gt-degraded] [--seeds N]
// The default source is yolox_nano through the inference service's code (deterministic, so one
// seed); gt-degraded (ground truth degraded the way a detector errs, seeded) stays for comparison.
// Only person tracks are scored (MOT15 annotates pedestrians); the official MOT15 protocol is the
// headline, and `dontcare` repeats it with conf-0 ground-truth people forgiven (see eval/ground-truth.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { prepareSequence, type GroundTruthFormat } from '@va/tracking/eval';
import { evaluateSequence, evaluateSequences, type MotMetrics } from '@va/tracking/eval';
import { DEFAULT_TRACKER_PARAMS, sortBaselineParams, type TrackerParams } from '@va/tracking/tracker';
import type { DetectionSource, MotSequence } from './tracking/detection-source.js';
import { gtDegradedSource } from './tracking/gt-degraded-source.js';
import { BENCH_SEQUENCES, loadMotSequence } from './tracking/mot-sequences.js';
import { withDetectionSchedule } from '@va/harness/byte-tracker-replay';
import { trackerFps, trackSequence } from './tracking/run-tracker.js';
import { yoloxSource } from './tracking/yolox-source.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const sourceName = option('source') ?? 'yolox';
// yolox detections do not depend on a seed; gt-degraded ones are averaged over seeds.
const seeds = Number(option('seeds') ?? (sourceName === 'yolox' || quick ? 1 : 5));
const fpsMs = quick ? 1_500 : 5_000;
/** Detection schedules scored (detect_every): the detector on every Nth frame, the tracker predicting the others. */
const SCHEDULES = [1, 2, 3];
/** The pipeline's default (ingest's VA_INGEST_DEFAULT_DETECT_EVERY), whose scores are the headline. */
const DEFAULT_DETECT_EVERY = 1;

/** The variants, from the plain baseline up; each adds one part so its gain shows. */
const VARIANTS: Array<{ name: string; params: TrackerParams; needsEmbeddings?: boolean }> = [
  { name: 'sort', params: sortBaselineParams() },
  { name: 'bytetrack-one-stage', params: { ...DEFAULT_TRACKER_PARAMS, twoStage: false, appearance: false } },
  { name: 'bytetrack', params: { ...DEFAULT_TRACKER_PARAMS, appearance: false } },
  { name: 'bytetrack+appearance', params: DEFAULT_TRACKER_PARAMS, needsEmbeddings: true },
];

function sourceFor(seed: number): DetectionSource {
  if (sourceName === 'gt-degraded') return gtDegradedSource({ seed, embeddings: true });
  if (sourceName === 'yolox') return yoloxSource();
  throw new Error(`unknown --source ${sourceName} (yolox or gt-degraded)`);
}

async function collect(source: DetectionSource, sequence: MotSequence): Promise<DetectionBatch[]> {
  const out: DetectionBatch[] = [];
  for await (const b of source.frames(sequence)) out.push(b);
  return out;
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;
const summary = (m: MotMetrics) => ({
  mota: round(m.mota),
  idf1: round(m.idf1),
  id_switches: m.idSwitches,
  motp: round(m.motp),
  idp: round(m.idp),
  idr: round(m.idr),
  fp: m.falsePositives,
  fn: m.misses,
  fragmentations: m.fragmentations,
  mt: m.mostlyTracked,
  ml: m.mostlyLost,
});
type Summary = ReturnType<typeof summary>;

/** Means over seeds (counts too, as decimals). */
function mean(list: Summary[]): Summary {
  const out = { ...list[0]! };
  for (const k of Object.keys(out) as Array<keyof Summary>)
    out[k] = round(list.reduce((s, x) => s + x[k], 0) / list.length);
  return out;
}

async function main(): Promise<void> {
  const sequences = BENCH_SEQUENCES.map(loadMotSequence);
  const perSeed: Array<
    Record<
      string,
      {
        sequences: Record<string, Summary>;
        overall: Summary;
        dontcare: { sequences: Record<string, Summary>; overall: Summary };
      }
    >
  > = [];
  let cached: DetectionBatch[][] = [];
  let hasEmbeddings = false;
  let description = '';
  for (let seed = 1; seed <= seeds; seed++) {
    const source = sourceFor(seed);
    description = seeds > 1 ? source.description.replace(/seed \d+/, `seeds 1-${seeds}, averaged`) : source.description;
    const detections = await Promise.all(sequences.map((s) => collect(source, s)));
    if (seed === 1) cached = detections;
    hasEmbeddings = detections.some((d) => d.some((b) => b.detections.some((x) => x.embedding.length > 0)));
    const results: (typeof perSeed)[number] = {};
    for (const v of VARIANTS) {
      if (v.needsEmbeddings && !hasEmbeddings) continue;
      const hyps = sequences.map((_, i) => trackSequence(v.params, detections[i]!));
      const scored = (format: GroundTruthFormat) => {
        const prepared = sequences.map((s, i) => prepareSequence(s.gt, hyps[i]!, format));
        return {
          sequences: Object.fromEntries(
            sequences.map((s, i) => [s.name, summary(evaluateSequence(prepared[i]!.gt, prepared[i]!.hyp))]),
          ),
          overall: summary(evaluateSequences(prepared)),
        };
      };
      results[v.name] = { ...scored('mot15'), dontcare: scored('mot15-dontcare') };
    }
    perSeed.push(results);
  }

  const variants = Object.keys(perSeed[0]!);
  const results = Object.fromEntries(
    variants.map((name) => [
      name,
      {
        sequences: Object.fromEntries(
          sequences.map((s) => [s.name, mean(perSeed.map((r) => r[name]!.sequences[s.name]!))]),
        ),
        overall: mean(perSeed.map((r) => r[name]!.overall)),
        dontcare: {
          sequences: Object.fromEntries(
            sequences.map((s) => [s.name, mean(perSeed.map((r) => r[name]!.dontcare.sequences[s.name]!))]),
          ),
          overall: mean(perSeed.map((r) => r[name]!.dontcare.overall)),
        },
      },
    ]),
  );
  const timed = VARIANTS.filter((v) => results[v.name]);
  const measured = trackerFps(
    timed.map((v) => v.params),
    cached,
    fpsMs * timed.length,
  );
  const fps: Record<string, number> = Object.fromEntries(timed.map((v, i) => [v.name, Math.round(measured[i]!)]));

  const main = hasEmbeddings ? 'bytetrack+appearance' : 'bytetrack';
  const frames = cached.reduce((s, d) => s + d.length, 0);
  // The main tracker under each detection schedule, on the first seed's detections (yolox: the only one).
  const mainParams = VARIANTS.find((v) => v.name === main)!.params;
  const schedules = Object.fromEntries(
    SCHEDULES.map((every) => {
      const prepared = sequences.map((s, i) =>
        prepareSequence(s.gt, trackSequence(mainParams, withDetectionSchedule(cached[i]!, every)), 'mot15'),
      );
      return [
        String(every),
        {
          sequences: Object.fromEntries(
            sequences.map((s, i) => [s.name, summary(evaluateSequence(prepared[i]!.gt, prepared[i]!.hyp))]),
          ),
          overall: summary(evaluateSequences(prepared)),
        },
      ];
    }),
  );
  console.log(
    `tracking benchmark: ${description}; ${seeds} seed(s); ${frames} frames over ${sequences.map((s) => s.name).join(', ')}`,
  );
  console.log('variant                 sequence       MOTA    IDF1    IDsw  FP    FN    Frag  MOTP    frames/s');
  for (const name of variants) {
    const r = results[name]!;
    for (const [seq, m] of [...Object.entries(r.sequences), ['OVERALL', r.overall] as const]) {
      console.log(
        `${name.padEnd(23)} ${String(seq).padEnd(14)} ${m.mota.toFixed(3).padStart(6)}  ${m.idf1.toFixed(3).padStart(6)}  ${String(m.id_switches).padStart(4)}  ${String(m.fp).padStart(4)}  ${String(m.fn).padStart(4)}  ${String(m.fragmentations).padStart(4)}  ${m.motp.toFixed(3)}   ${seq === 'OVERALL' ? String(fps[name]) : ''}`,
      );
    }
  }

  console.log(
    `${main} by detection schedule (detect_every N: detector on every Nth frame, predicted boxes reported between):`,
  );
  for (const [every, r] of Object.entries(schedules)) {
    for (const [seq, m] of [...Object.entries(r.sequences), ['OVERALL', r.overall] as const]) {
      console.log(
        `N=${every.padEnd(21)} ${String(seq).padEnd(14)} ${m.mota.toFixed(3).padStart(6)}  ${m.idf1.toFixed(3).padStart(6)}  ${String(m.id_switches).padStart(4)}  ${String(m.fp).padStart(4)}  ${String(m.fn).padStart(4)}  ${String(m.fragmentations).padStart(4)}  ${m.motp.toFixed(3)}`,
      );
    }
  }

  console.log('same, conf-0 ground-truth people forgiven (mot15-dontcare, not the official protocol):');
  for (const name of variants) {
    const r = results[name]!.dontcare;
    for (const [seq, m] of [...Object.entries(r.sequences), ['OVERALL', r.overall] as const]) {
      console.log(
        `${name.padEnd(23)} ${String(seq).padEnd(14)} ${m.mota.toFixed(3).padStart(6)}  ${m.idf1.toFixed(3).padStart(6)}  ${String(m.id_switches).padStart(4)}  ${String(m.fp).padStart(4)}  ${String(m.fn).padStart(4)}`,
      );
    }
  }

  const pick = (m: Summary) => ({ mota: m.mota, idf1: m.idf1, id_switches: m.id_switches, fp: m.fp, fn: m.fn });
  const headline = (name: string) => ({
    sequences: Object.fromEntries(Object.entries(results[name]!.sequences).map(([k, m]) => [k, pick(m)])),
    overall: pick(results[name]!.overall),
    tracker_fps: fps[name],
  });
  const report = {
    bench: 'tracking',
    source: sourceName,
    source_description: description,
    quick,
    seeds,
    frames,
    tracker: main,
    detect_every: DEFAULT_DETECT_EVERY,
    ...headline(main),
    // The headline is the schedule the pipeline runs by default.
    overall: pick(schedules[String(DEFAULT_DETECT_EVERY)]!.overall),
    sequences: Object.fromEntries(
      Object.entries(schedules[String(DEFAULT_DETECT_EVERY)]!.sequences).map(([k, m]) => [k, pick(m)]),
    ),
    // The main tracker with the detector on every frame, beside the default schedule's headline.
    every_frame: pick(schedules['1']!.overall),
    schedules: Object.fromEntries(
      Object.entries(schedules).map(([every, r]) => [
        every,
        {
          overall: pick(r.overall),
          sequences: Object.fromEntries(Object.entries(r.sequences).map(([k, m]) => [k, pick(m)])),
        },
      ]),
    ),
    sort: headline('sort'),
    ablations: Object.fromEntries(
      variants.map((name) => [name, { ...pick(results[name]!.overall), tracker_fps: fps[name] }]),
    ),
    dontcare: Object.fromEntries(variants.map((name) => [name, pick(results[name]!.dontcare.overall)])),
    details: results,
  };
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'tracking.json'), JSON.stringify(report, null, 2));
  const { details: _details, ...line } = report;
  console.log(JSON.stringify(line));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
