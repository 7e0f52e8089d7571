// Scores tracker output against MOTChallenge ground truth: CLEAR MOT and identity metrics.
//   npm run eval:mot -- --gt <seq>/gt/gt.txt --res <seq>.txt [--gt ... --res ...] [--format mot15|mot15-dontcare|mot16]
// Pairs are taken in order; with several, an OVERALL row sums their counts. The last line is JSON.
import { basename, dirname } from 'node:path';
import { GROUND_TRUTH_FORMATS, prepareSequence, type GroundTruthFormat } from './ground-truth.js';
import { readMot } from './mot-file.js';
import { evaluateSequence, evaluateSequences, type MotMetrics } from './mot-metrics.js';

function parseArgs(argv: string[]): { pairs: Array<{ gt: string; res: string }>; format: GroundTruthFormat } {
  const gts: string[] = [];
  const results: string[] = [];
  let format: GroundTruthFormat = 'mot15';
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--gt':
        gts.push(value ?? '');
        i++;
        break;
      case '--res':
        results.push(value ?? '');
        i++;
        break;
      case '--format':
        if (!GROUND_TRUTH_FORMATS.includes(value as GroundTruthFormat))
          throw new Error(`--format must be one of ${GROUND_TRUTH_FORMATS.join(', ')}`);
        format = value as GroundTruthFormat;
        i++;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (gts.length === 0 || gts.length !== results.length) throw new Error('give one or more --gt FILE --res FILE pairs');
  return { pairs: gts.map((gt, i) => ({ gt, res: results[i] as string })), format };
}

const pct = (v: number) => (100 * v).toFixed(1).padStart(6);
function line(name: string, m: MotMetrics): string {
  return `${name.padEnd(20)} ${pct(m.mota)} ${pct(m.motp)} ${pct(m.idf1)} ${pct(m.idp)} ${pct(m.idr)} ${String(m.idSwitches).padStart(5)} ${String(m.falsePositives).padStart(6)} ${String(m.misses).padStart(6)} ${String(m.fragmentations).padStart(5)} ${String(m.mostlyTracked).padStart(4)} ${String(m.mostlyLost).padStart(4)}\n`;
}

try {
  const { pairs, format } = parseArgs(process.argv.slice(2));
  const prepared = pairs.map((p) => ({
    name: basename(dirname(dirname(p.gt))) || p.gt,
    ...prepareSequence(readMot(p.gt), readMot(p.res), format),
  }));
  const out = process.stdout;
  out.write(`${'sequence'.padEnd(20)}   MOTA   MOTP   IDF1    IDP    IDR  IDsw     FP     FN  Frag   MT   ML\n`);
  const rows: Record<string, MotMetrics> = {};
  for (const p of prepared) {
    rows[p.name] = evaluateSequence(p.gt, p.hyp);
    out.write(line(p.name, rows[p.name] as MotMetrics));
  }
  if (prepared.length > 1) {
    rows.OVERALL = evaluateSequences(prepared);
    out.write(line('OVERALL', rows.OVERALL));
  }
  out.write(`${JSON.stringify({ format, metrics: rows })}\n`);
} catch (err) {
  process.stderr.write(`eval:mot: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
