import type { DetectionBatch } from '@va/proto/va/common/v1/detection';

export interface LowConfidenceSamplerOptions {
  /** A frame with a detection below this score is a candidate sample; 0 turns sampling off. */
  below: number;
  /** At most one sample per camera per this many ms of capture time. */
  intervalMs: number;
}

/**
 * Picks frames with unsure detections as hard examples for the next labeling set, at most one per
 * camera per interval (on capture time, so a replay picks the same frames). The detections the
 * model was least sure of are the ones a labeler's time improves most.
 */
export class LowConfidenceSampler {
  private readonly last = new Map<string, number>();

  constructor(private readonly options: LowConfidenceSamplerOptions) {}

  shouldSample(batch: DetectionBatch): boolean {
    if (this.options.below <= 0) return false;
    if (!batch.detections.some((d) => d.score < this.options.below)) return false;
    const last = this.last.get(batch.cameraId);
    if (last !== undefined && batch.captureTsMs - last < this.options.intervalMs && batch.captureTsMs >= last)
      return false;
    this.last.set(batch.cameraId, batch.captureTsMs);
    return true;
  }
}
