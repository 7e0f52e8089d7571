import type { BBox } from '@va/proto/va/common/v1/geometry';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { TrackUpdate } from '@va/proto/va/common/v1/track';
import { centreInside, iou, isFiniteBox } from './geometry.js';
import { frameFields, type Finding, type SanityRule } from './rule.js';

export interface UnexplainedDetectionOptions {
  /** Only detections at least this confident count. */
  minScore: number;
  /** Frames a confident detection may stay unexplained before it is flagged (M). */
  minFrames: number;
  /** IoU that links an unexplained detection to one of the previous frame. */
  linkIou: number;
}

interface Chain {
  box: BBox;
  frames: number;
  firstSequence: number;
  flagged: boolean;
}

/**
 * Detector/tracker disagreement, second half: a confident detection that no reported track
 * matched (no track's `detection_index` points at it), at about the same place for M frames.
 * A new object is unexplained only while its track is tentative (a few frames), so M frames
 * mean the tracker is refusing an object the detector keeps seeing.
 */
export class UnexplainedDetectionRule implements SanityRule {
  private chains: Chain[] = [];

  constructor(private readonly options: UnexplainedDetectionOptions) {}

  onTracks(update: TrackUpdate, detections: DetectionBatch | undefined): Finding[] {
    if (!detections) return [];
    const explained = new Set<number>();
    for (const t of update.tracks) if (t.detectionIndex >= 0) explained.add(t.detectionIndex);
    const next: Chain[] = [];
    const findings: Finding[] = [];
    const unused = new Set(this.chains);
    detections.detections.forEach((d, index) => {
      if (explained.has(index) || d.score < this.options.minScore || !d.box || !isFiniteBox(d.box)) return;
      if (!centreInside(d.box, detections.frameWidth, detections.frameHeight)) return; // the invalid-box rule's case
      let best: Chain | undefined;
      let bestIou = this.options.linkIou;
      for (const chain of unused) {
        const overlap = iou(chain.box, d.box);
        if (overlap >= bestIou) {
          best = chain;
          bestIou = overlap;
        }
      }
      const chain: Chain = best
        ? { box: d.box, frames: best.frames + 1, firstSequence: best.firstSequence, flagged: best.flagged }
        : { box: d.box, frames: 1, firstSequence: update.sequence, flagged: false };
      if (best) unused.delete(best);
      next.push(chain);
      if (!chain.flagged && chain.frames >= this.options.minFrames) {
        chain.flagged = true;
        findings.push({
          ...frameFields(update),
          rule: 'unexplained-detection',
          subject: `${chain.firstSequence}:${Math.round(d.box.x1)},${Math.round(d.box.y1)}`,
          trackId: '',
          message: `a ${d.className || d.classId} detection with score ${d.score.toFixed(2)} has matched no track for ${chain.frames} frames`,
          evidence: {
            frames_unexplained: chain.frames,
            min_frames: this.options.minFrames,
            score: d.score,
            min_score: this.options.minScore,
            detection_index: index,
          },
          boxes: [d.box],
          scores: [d.score],
          classNames: [d.className],
        });
      }
    });
    this.chains = next;
    return findings;
  }
}
