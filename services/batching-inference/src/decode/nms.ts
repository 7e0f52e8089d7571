import type { Candidates } from './candidates.js';

export interface NmsOptions {
  iouThreshold: number;
  /** Suppress across classes (one box per object whatever its class). */
  classAgnostic: boolean;
  /** Highest-scoring candidates considered. */
  preNmsTopK: number;
  maxDetections: number;
}

/**
 * Greedy non-maximum suppression, per class unless class-agnostic: candidates in descending
 * score order are kept unless they overlap an already kept box of the same class by more than
 * the IoU threshold. Returns the indices kept, best first. Ties keep the earlier candidate.
 */
export function nms(c: Candidates, options: NmsOptions): number[] {
  const order = Array.from({ length: c.length }, (_, i) => i);
  order.sort((a, b) => (c.score[b] as number) - (c.score[a] as number) || a - b);
  if (order.length > options.preNmsTopK) order.length = options.preNmsTopK;
  const kept: number[] = [];
  const area = (i: number) =>
    Math.max(0, (c.x2[i] as number) - (c.x1[i] as number)) * Math.max(0, (c.y2[i] as number) - (c.y1[i] as number));
  for (const i of order) {
    if (kept.length >= options.maxDetections) break;
    let suppressed = false;
    for (const k of kept) {
      if (!options.classAgnostic && c.classId[k] !== c.classId[i]) continue;
      if (iou(c, i, k, area(i), area(k)) > options.iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(i);
  }
  return kept;
}

function iou(c: Candidates, i: number, k: number, areaI: number, areaK: number): number {
  const w = Math.min(c.x2[i] as number, c.x2[k] as number) - Math.max(c.x1[i] as number, c.x1[k] as number);
  const h = Math.min(c.y2[i] as number, c.y2[k] as number) - Math.max(c.y1[i] as number, c.y1[k] as number);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (areaI + areaK - inter);
}
