import { iou } from '../tracker/box.js';
import { solveAssignment } from '../tracker/assignment.js';
import type { MotRow } from './mot-file.js';

/**
 * How ground truth is read, following the MOTChallenge devkits and py-motmetrics:
 *  - 'mot15' (2D MOT 2015): rows with conf 0 are not evaluated (dropped, as py-motmetrics'
 *    eval_motchallenge does with min_confidence=1); columns 8-10 are world coordinates.
 *  - 'mot16' (MOT16/17/20): only class 1 (pedestrian) rows with conf 1 are evaluated; tracker boxes
 *    that match (IoU >= 0.5, optimal assignment per frame) a distractor (person on vehicle, static
 *    person, distractor, reflection) or a box with negative visibility are removed first, so a
 *    tracker is not punished for following them.
 *  - 'mot15-dontcare': MOT15 rows, with conf-0 rows treated as MOT16 treats distractors: not
 *    evaluated, and tracker boxes matching them removed first. Not the official 2015 protocol
 *    (there a box on a conf-0 person is a false positive); it tells the people the annotators
 *    chose not to count apart from real errors.
 */
export type GroundTruthFormat = 'mot15' | 'mot15-dontcare' | 'mot16';
export const GROUND_TRUTH_FORMATS: readonly GroundTruthFormat[] = ['mot15', 'mot15-dontcare', 'mot16'];

const DISTRACTOR_CLASSES = new Set([2, 7, 8, 12]);

export interface PreparedSequence {
  gt: MotRow[];
  hyp: MotRow[];
  /** Tracker boxes removed because they matched a distractor (mot16) or a conf-0 row (mot15-dontcare). */
  removedHypotheses: number;
}

export function prepareSequence(
  gtRows: readonly MotRow[],
  hypRows: readonly MotRow[],
  format: GroundTruthFormat,
): PreparedSequence {
  if (format === 'mot15') return { gt: gtRows.filter((r) => r.conf >= 1), hyp: [...hypRows], removedHypotheses: 0 };
  if (format === 'mot15-dontcare')
    return forgiveMatches(
      gtRows,
      hypRows,
      (g) => g.conf < 1,
      (g) => g.conf >= 1,
    );
  return forgiveMatches(
    gtRows,
    hypRows,
    (g) => DISTRACTOR_CLASSES.has(g.col8) || g.col9 < 0,
    (g) => g.conf >= 0.99 && g.col8 === 1,
  );
}

/**
 * Removes the tracker boxes that match (IoU >= 0.5, one optimal assignment per frame against every
 * ground-truth row) a row that `dontCare` says must not count, then keeps the rows `evaluated` says count.
 */
function forgiveMatches(
  gtRows: readonly MotRow[],
  hypRows: readonly MotRow[],
  dontCare: (g: MotRow) => boolean,
  evaluated: (g: MotRow) => boolean,
): PreparedSequence {
  const gtByFrame = groupByFrame(gtRows);
  const hyp: MotRow[] = [];
  let removed = 0;
  for (const [frame, hyps] of groupByFrame(hypRows)) {
    const gts = gtByFrame.get(frame) ?? [];
    const drop = new Set<number>();
    if (gts.length > 0 && hyps.length > 0) {
      const matched = matchByIou(gts, hyps);
      matched.forEach((j, i) => {
        const g = gts[i] as MotRow;
        if (j >= 0 && dontCare(g)) drop.add(j);
      });
    }
    hyps.forEach((h, j) => (drop.has(j) ? removed++ : hyp.push(h)));
  }
  return { gt: gtRows.filter(evaluated), hyp, removedHypotheses: removed };
}

export function groupByFrame(rows: readonly MotRow[]): Map<number, MotRow[]> {
  const out = new Map<number, MotRow[]>();
  for (const r of rows) {
    let list = out.get(r.frame);
    if (!list) out.set(r.frame, (list = []));
    list.push(r);
  }
  return out;
}

export function rowIou(a: MotRow, b: MotRow): number {
  return iou({ x1: a.x, y1: a.y, x2: a.x + a.w, y2: a.y + a.h }, { x1: b.x, y1: b.y, x2: b.x + b.w, y2: b.y + b.h });
}

/**
 * The assignment py-motmetrics makes between two sets of boxes: as many pairs with IoU >= 0.5 as
 * possible, then the smallest total distance (1 - IoU). Returns for each `a` its `b` index or -1.
 */
export function matchByIou(
  a: readonly MotRow[],
  b: readonly MotRow[],
  usable: (i: number, j: number) => boolean = () => true,
): Int32Array {
  const n = a.length;
  const m = b.length;
  const dist = new Float64Array(n * m);
  let maxValid = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const d = 1 - rowIou(a[i] as MotRow, b[j] as MotRow);
      const ok = d <= 0.5 && usable(i, j);
      dist[i * m + j] = ok ? d : NaN;
      if (ok) maxValid = Math.max(maxValid, Math.abs(d));
    }
  }
  // Invalid pairs cost more than any set of valid ones could save (py-motmetrics' add_expensive_edges).
  const large = 2 * Math.min(n, m) * (maxValid + 1) + 1;
  for (let k = 0; k < dist.length; k++) if (Number.isNaN(dist[k])) dist[k] = large;
  const assigned = solveAssignment(dist, n, m);
  for (let i = 0; i < n; i++) {
    const j = assigned[i] as number;
    if (j >= 0 && (dist[i * m + j] as number) >= large) assigned[i] = -1;
  }
  return assigned;
}
