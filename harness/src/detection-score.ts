import { join } from 'node:path';
import { iou } from '@va/common';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { readGroundTruth } from './sanity-scenes/mot-ground-truth.js';

/** One ground-truth box of a MOTChallenge sequence (gt/gt.txt), corners in pixels. */
export interface GtBox {
  /** 1-based frame number as in gt.txt. */
  frame: number;
  id: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** conf column 0: the box is not scored (a detection on it counts neither way). */
  ignore: boolean;
}

/** The boxes of gt/gt.txt of a MOT sequence folder, as corners. */
export function readMotGroundTruth(sequenceDir: string): GtBox[] {
  return [...readGroundTruth(join(sequenceDir, 'gt', 'gt.txt')).values()]
    .flat()
    .map((b) => ({ frame: b.frame, id: b.id, x1: b.x, y1: b.y, x2: b.x + b.w, y2: b.y + b.h, ignore: b.conf === 0 }));
}

export interface DetectionScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  recall: number;
  precision: number;
}

/**
 * Detection recall and precision against ground truth at an IoU threshold: per frame, detections
 * of `className` scoring >= minScore are matched greedily (best score first) to the unmatched
 * ground-truth box they overlap most; a detection on a box marked ignore (conf 0) is not counted,
 * as in the MOTChallenge evaluation. `gtFrameOf` maps a batch to its ground-truth frame.
 */
export function scoreDetections(
  batches: readonly DetectionBatch[],
  gt: readonly GtBox[],
  options: { className: string; minScore: number; iouThreshold: number; gtFrameOf: (b: DetectionBatch) => number },
): DetectionScore {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const batch of batches) {
    const frame = options.gtFrameOf(batch);
    const truth = gt.filter((g) => g.frame === frame && !g.ignore);
    const ignored = gt.filter((g) => g.frame === frame && g.ignore);
    const used = new Set<number>();
    const dets = batch.detections
      .filter((d) => d.className === options.className && d.score >= options.minScore && d.box)
      .sort((a, b) => b.score - a.score);
    for (const d of dets) {
      let best = -1;
      let bestIou = options.iouThreshold;
      truth.forEach((g, i) => {
        if (used.has(i)) return;
        const o = iou(d.box as GtBox, g);
        if (o >= bestIou) {
          bestIou = o;
          best = i;
        }
      });
      if (best >= 0) {
        used.add(best);
        tp++;
      } else if (!ignored.some((g) => iou(d.box as GtBox, g) >= options.iouThreshold)) {
        fp++;
      }
    }
    fn += truth.length - used.size;
  }
  return {
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    recall: tp / Math.max(1, tp + fn),
    precision: tp / Math.max(1, tp + fp),
  };
}
