// Cross-checks the TypeScript MOT evaluator against py-motmetrics on the same files: tracker
// results of several variants and seeds on PETS09-S2L1 and TUD-Campus are written in MOTChallenge
// format, scored by both, and compared metric by metric. Needs a Python with motmetrics
// (pip install motmetrics); VA_PYTHON names it (default python3).
// Usage: npm run bench:tracking:crosscheck [-- --seeds N]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { prepareSequence } from '@va/tracking/eval';
import { formatMot, readMot } from '@va/tracking/eval';
import { evaluateSequence, evaluateSequences, type MotMetrics } from '@va/tracking/eval';
import { DEFAULT_TRACKER_PARAMS, sortBaselineParams } from '@va/tracking/tracker';
import { gtDegradedSource } from './tracking/gt-degraded-source.js';
import { BENCH_SEQUENCES, loadMotSequence } from './tracking/mot-sequences.js';
import { trackSequence } from './tracking/run-tracker.js';

const args = process.argv.slice(2);
const seedsArg = args.indexOf('--seeds');
const seeds = seedsArg >= 0 ? Number(args[seedsArg + 1]) : 3;
const python = process.env.VA_PYTHON ?? 'python3';

const VARIANTS = [
  { name: 'sort', params: sortBaselineParams() },
  { name: 'bytetrack', params: { ...DEFAULT_TRACKER_PARAMS, appearance: false } },
  { name: 'bytetrack+appearance', params: DEFAULT_TRACKER_PARAMS },
];

/** py-motmetrics' name and how to compute it from ours. */
const COMPARED: Array<[string, (m: MotMetrics) => number]> = [
  ['num_frames', (m) => m.frames],
  ['num_objects', (m) => m.numObjects],
  ['num_predictions', (m) => m.numPredictions],
  ['num_matches', (m) => m.matches - m.idSwitches], // py-motmetrics counts switches apart from matches
  ['num_switches', (m) => m.idSwitches],
  ['num_false_positives', (m) => m.falsePositives],
  ['num_misses', (m) => m.misses],
  ['num_fragmentations', (m) => m.fragmentations],
  ['mota', (m) => m.mota],
  ['motp', (m) => 1 - m.motp], // py-motmetrics reports the mean distance (1 - IoU)
  ['idf1', (m) => m.idf1],
  ['idp', (m) => m.idp],
  ['idr', (m) => m.idr],
  ['mostly_tracked', (m) => m.mostlyTracked],
  ['mostly_lost', (m) => m.mostlyLost],
];

interface Reference {
  motmetrics: string;
  items: Record<string, Record<string, number>>;
  overall: Record<string, Record<string, number>>;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'va-mot-crosscheck-'));
  const sequences = BENCH_SEQUENCES.map(loadMotSequence);
  const manifest: Array<{ name: string; group: string; gt: string; res: string }> = [];
  const ours = new Map<string, MotMetrics>();
  const groups = new Map<string, Array<{ gt: ReturnType<typeof readMot>; hyp: ReturnType<typeof readMot> }>>();
  for (let seed = 1; seed <= seeds; seed++) {
    const source = gtDegradedSource({ seed, embeddings: true });
    for (const seq of sequences) {
      const batches: DetectionBatch[] = [];
      for await (const b of source.frames(seq)) batches.push(b);
      for (const v of VARIANTS) {
        const name = `${v.name}/seed-${seed}/${seq.name}`;
        const group = `${v.name}/seed-${seed}`;
        const res = join(dir, `${name.replace(/[/+]/g, '_')}.txt`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(res, formatMot(trackSequence(v.params, batches)));
        const gtPath = join(seq.dir, 'gt', 'gt.txt');
        manifest.push({ name, group, gt: gtPath, res });
        // Scored from the files, as the reference does.
        const prepared = prepareSequence(readMot(gtPath), readMot(res), 'mot15');
        ours.set(name, evaluateSequence(prepared.gt, prepared.hyp));
        let list = groups.get(group);
        if (!list) groups.set(group, (list = []));
        list.push(prepared);
      }
    }
  }
  const manifestPath = join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify(manifest));
  let reference: Reference;
  try {
    const script = join('bench', 'tracking', 'motmetrics_crosscheck.py');
    reference = JSON.parse(
      execFileSync(python, [script, manifestPath], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
    ) as Reference;
  } catch (err) {
    console.error(
      `py-motmetrics run failed (${python}); install it with: pip install motmetrics, or set VA_PYTHON\n${String(err)}`,
    );
    process.exit(1);
  }

  const maxDiff: Record<string, number> = {};
  const compare = (label: string, mine: MotMetrics, theirs: Record<string, number>) => {
    for (const [refKey, value] of COMPARED) {
      const d = Math.abs(value(mine) - (theirs[refKey] as number));
      maxDiff[refKey] = Math.max(maxDiff[refKey] ?? 0, d);
      if (d > 1e-9) console.log(`  differs: ${label} ${refKey}: ours ${value(mine)}, py-motmetrics ${theirs[refKey]}`);
    }
  };
  for (const [name, mine] of ours) compare(name, mine, reference.items[name]!);
  for (const [group, list] of groups) compare(`${group} OVERALL`, evaluateSequences(list), reference.overall[group]!);

  const compared = ours.size + groups.size;
  const agree = Object.values(maxDiff).every((d) => d <= 1e-9);
  console.log(
    `compared ${compared} score sets (${ours.size} sequence results + ${groups.size} overall) against py-motmetrics ${reference.motmetrics}`,
  );
  for (const [k, d] of Object.entries(maxDiff)) console.log(`  ${k.padEnd(22)} max |difference| ${d.toExponential(2)}`);
  console.log(
    JSON.stringify({
      bench: 'tracking-crosscheck',
      reference: `py-motmetrics ${reference.motmetrics}`,
      score_sets: compared,
      agree,
      max_abs_diff: maxDiff,
    }),
  );
  if (!agree) process.exit(1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
