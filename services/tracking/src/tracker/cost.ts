import { iou, type Box } from './box.js';

/**
 * Cost matrices between n tracks (rows) and m detections (columns), dense row-major
 * Float64Array. Lower is better; Infinity forbids a pair.
 */

/** 1 - IoU. */
export function iouCost(tracks: readonly Box[], detections: readonly Box[]): Float64Array {
  const n = tracks.length;
  const m = detections.length;
  const cost = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const t = tracks[i] as Box;
    for (let j = 0; j < m; j++) cost[i * m + j] = 1 - iou(t, detections[j] as Box);
  }
  return cost;
}

/** ByteTrack's fuse_score: the IoU similarity is scaled by the detection score, so weak detections pay more. */
export function fuseScore(cost: Float64Array, m: number, scores: readonly number[]): void {
  for (let k = 0; k < cost.length; k++) {
    const j = k % m;
    cost[k] = 1 - (1 - (cost[k] as number)) * (scores[j] as number);
  }
}

/** 1 - cosine similarity of unit vectors, floored at 0; 1 when either side has no embedding or the sizes differ. */
export function cosineDistance(a: Float32Array | undefined, b: Float32Array | undefined): number {
  if (!a || !b || a.length !== b.length) return 1;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return Math.max(0, 1 - dot);
}

/**
 * BoT-SORT's fusion of motion and appearance: the appearance cost (cosine distance / 2) only counts
 * for pairs that are close (IoU distance <= proximityThresh) and look alike (<= appearanceThresh);
 * the pair's cost is then the smaller of the two. `iouOnly` is the raw 1 - IoU used for the
 * proximity gate; `cost` (possibly score-fused) is updated in place.
 */
export function fuseAppearance(
  cost: Float64Array,
  iouOnly: Float64Array,
  m: number,
  trackEmbeddings: ReadonlyArray<Float32Array | undefined>,
  detectionEmbeddings: ReadonlyArray<Float32Array | undefined>,
  appearanceThresh: number,
  proximityThresh: number,
): void {
  for (let k = 0; k < cost.length; k++) {
    if ((iouOnly[k] as number) > proximityThresh) continue;
    const i = Math.floor(k / m);
    const j = k % m;
    const emb = cosineDistance(trackEmbeddings[i], detectionEmbeddings[j]) / 2;
    if (emb <= appearanceThresh && emb < (cost[k] as number)) cost[k] = emb;
  }
}

/** Forbids pairs whose classes differ. */
export function gateClasses(
  cost: Float64Array,
  m: number,
  trackClasses: readonly number[],
  detectionClasses: readonly number[],
): void {
  for (let k = 0; k < cost.length; k++) {
    if (trackClasses[Math.floor(k / m)] !== detectionClasses[k % m]) cost[k] = Infinity;
  }
}
