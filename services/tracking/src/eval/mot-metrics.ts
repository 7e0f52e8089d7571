import { solveAssignment } from '../tracker/assignment.js';
import { groupByFrame, matchByIou, rowIou } from './ground-truth.js';
import type { MotRow } from './mot-file.js';

/** CLEAR MOT (Bernardin & Stiefelhagen 2008) and identity measures (Ristani et al. 2016). */
export interface MotMetrics {
  frames: number;
  numObjects: number;
  numPredictions: number;
  numUniqueObjects: number;
  matches: number;
  falsePositives: number;
  misses: number;
  idSwitches: number;
  fragmentations: number;
  /** 1 - (misses + false positives + id switches) / objects. */
  mota: number;
  /** Mean IoU of matched pairs (the MOTChallenge convention; py-motmetrics' motp is 1 - this). */
  motp: number;
  idtp: number;
  idfp: number;
  idfn: number;
  idf1: number;
  idp: number;
  idr: number;
  precision: number;
  recall: number;
  mostlyTracked: number;
  partiallyTracked: number;
  mostlyLost: number;
}

interface Tally {
  frames: number;
  numObjects: number;
  numPredictions: number;
  matches: number;
  switches: number;
  falsePositives: number;
  misses: number;
  sumIou: number;
  fragmentations: number;
  idtp: number;
  objectIds: number;
  mt: number;
  pt: number;
  ml: number;
}

/**
 * Scores one sequence: per frame, correspondences from earlier frames are kept while their IoU
 * stays >= 0.5; the rest are assigned optimally (most pairs, then least distance); a ground-truth
 * object matched to a different tracker id than at its previous match is an identity switch.
 * This is py-motmetrics' MOTAccumulator, which the cross-check in bench/ compares against.
 */
export function evaluateSequence(gt: readonly MotRow[], hyp: readonly MotRow[]): MotMetrics {
  return finish(tallySequence(gt, hyp));
}

/** Metrics over several sequences: counts are summed, then the ratios computed (py-motmetrics' OVERALL). */
export function evaluateSequences(
  sequences: ReadonlyArray<{ gt: readonly MotRow[]; hyp: readonly MotRow[] }>,
): MotMetrics {
  const total: Tally = {
    frames: 0,
    numObjects: 0,
    numPredictions: 0,
    matches: 0,
    switches: 0,
    falsePositives: 0,
    misses: 0,
    sumIou: 0,
    fragmentations: 0,
    idtp: 0,
    objectIds: 0,
    mt: 0,
    pt: 0,
    ml: 0,
  };
  for (const s of sequences) {
    const t = tallySequence(s.gt, s.hyp);
    for (const k of Object.keys(total) as Array<keyof Tally>) total[k] += t[k];
  }
  return finish(total);
}

function tallySequence(gt: readonly MotRow[], hyp: readonly MotRow[]): Tally {
  const gtFrames = groupByFrame(gt);
  const hypFrames = groupByFrame(hyp);
  const frames = [...new Set([...gtFrames.keys(), ...hypFrames.keys()])].sort((a, b) => a - b);
  const lastMatch = new Map<number, number>(); // gt id -> tracker id of its latest match
  const history = new Map<number, boolean[]>(); // gt id -> tracked (true) / missed per frame present
  const gtCount = new Map<number, number>();
  const hypCount = new Map<number, number>();
  const pairCount = new Map<string, number>();
  const t: Tally = {
    frames: frames.length,
    numObjects: gt.length,
    numPredictions: hyp.length,
    matches: 0,
    switches: 0,
    falsePositives: 0,
    misses: 0,
    sumIou: 0,
    fragmentations: 0,
    idtp: 0,
    objectIds: 0,
    mt: 0,
    pt: 0,
    ml: 0,
  };

  for (const frame of frames) {
    const objs = gtFrames.get(frame) ?? [];
    const hyps = hypFrames.get(frame) ?? [];
    for (const o of objs) gtCount.set(o.id, (gtCount.get(o.id) ?? 0) + 1);
    for (const h of hyps) hypCount.set(h.id, (hypCount.get(h.id) ?? 0) + 1);
    const ious = objs.map((o) => hyps.map((h) => rowIou(o, h)));
    for (let i = 0; i < objs.length; i++) {
      for (let j = 0; j < hyps.length; j++) {
        if (((ious[i] as number[])[j] as number) >= 0.5) {
          const key = `${(objs[i] as MotRow).id}|${(hyps[j] as MotRow).id}`;
          pairCount.set(key, (pairCount.get(key) ?? 0) + 1);
        }
      }
    }

    const objMatched = new Int32Array(objs.length).fill(-1);
    const hypUsed = new Uint8Array(hyps.length);
    // 1. Keep earlier correspondences that are still valid.
    objs.forEach((o, i) => {
      const prev = lastMatch.get(o.id);
      if (prev === undefined) return;
      const j = hyps.findIndex((h, k) => h.id === prev && !hypUsed[k]);
      if (j < 0 || ((ious[i] as number[])[j] as number) < 0.5) return;
      objMatched[i] = j;
      hypUsed[j] = 1;
    });
    // 2. Assign the rest.
    const assigned = matchByIou(objs, hyps, (i, j) => (objMatched[i] as number) < 0 && !hypUsed[j]);
    objs.forEach((o, i) => {
      const j = assigned[i] as number;
      if ((objMatched[i] as number) >= 0 || j < 0) return;
      const h = hyps[j] as MotRow;
      const prev = lastMatch.get(o.id);
      if (prev !== undefined && prev !== h.id) t.switches++;
      objMatched[i] = j;
      hypUsed[j] = 1;
    });
    objs.forEach((o, i) => {
      const j = objMatched[i] as number;
      let list = history.get(o.id);
      if (!list) history.set(o.id, (list = []));
      list.push(j >= 0);
      if (j < 0) {
        t.misses++;
        return;
      }
      t.matches++;
      t.sumIou += (ious[i] as number[])[j] as number;
      lastMatch.set(o.id, (hyps[j] as MotRow).id);
    });
    t.falsePositives += hyps.length - hypUsed.reduce((s, v) => s + v, 0);
  }

  for (const tracked of history.values()) {
    const first = tracked.indexOf(true);
    const last = tracked.lastIndexOf(true);
    for (let k = Math.max(first, 0) + 1; first >= 0 && k <= last; k++)
      if (tracked[k - 1] && !tracked[k]) t.fragmentations++;
    const ratio = tracked.filter(Boolean).length / tracked.length;
    if (ratio >= 0.8) t.mt++;
    else if (ratio < 0.2) t.ml++;
    else t.pt++;
  }
  t.objectIds = history.size;
  t.idtp = identityTruePositives(gtCount, hypCount, pairCount);
  return t;
}

/** The one-to-one mapping of ground-truth ids to tracker ids that maximises frames matched (IoU >= 0.5). */
function identityTruePositives(
  gtCount: Map<number, number>,
  hypCount: Map<number, number>,
  pairs: Map<string, number>,
): number {
  const oids = [...gtCount.keys()].sort((a, b) => a - b);
  const hids = [...hypCount.keys()].sort((a, b) => a - b);
  if (oids.length === 0 || hids.length === 0) return 0;
  const oIndex = new Map(oids.map((o, i) => [o, i]));
  const hIndex = new Map(hids.map((h, i) => [h, i]));
  const cost = new Float64Array(oids.length * hids.length);
  for (const [key, n] of pairs) {
    const [o, h] = key.split('|').map(Number) as [number, number];
    cost[(oIndex.get(o) as number) * hids.length + (hIndex.get(h) as number)] = -n;
  }
  const assigned = solveAssignment(cost, oids.length, hids.length);
  let idtp = 0;
  assigned.forEach((j, i) => {
    if (j >= 0) idtp -= cost[i * hids.length + j] as number;
  });
  return idtp;
}

function finish(t: Tally): MotMetrics {
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const idfp = t.numPredictions - t.idtp;
  const idfn = t.numObjects - t.idtp;
  return {
    frames: t.frames,
    numObjects: t.numObjects,
    numPredictions: t.numPredictions,
    numUniqueObjects: t.objectIds,
    matches: t.matches,
    falsePositives: t.falsePositives,
    misses: t.misses,
    idSwitches: t.switches,
    fragmentations: t.fragmentations,
    mota: t.numObjects > 0 ? 1 - (t.misses + t.falsePositives + t.switches) / t.numObjects : 0,
    motp: ratio(t.sumIou, t.matches),
    idtp: t.idtp,
    idfp,
    idfn,
    idf1: ratio(2 * t.idtp, t.numObjects + t.numPredictions),
    idp: ratio(t.idtp, t.numPredictions),
    idr: ratio(t.idtp, t.numObjects),
    precision: ratio(t.matches, t.matches + t.falsePositives),
    recall: ratio(t.matches, t.numObjects),
    mostlyTracked: t.mt,
    partiallyTracked: t.pt,
    mostlyLost: t.ml,
  };
}
