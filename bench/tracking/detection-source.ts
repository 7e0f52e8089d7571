import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { MotRow } from '@va/tracking/eval';

/** One MOTChallenge sequence as the benchmark sees it. */
export interface MotSequence {
  name: string;
  dir: string;
  frameRate: number;
  /** Frames in the ground truth (1-based frame numbers 1..length). */
  length: number;
  width: number;
  height: number;
  /** Every ground-truth row, conf 0 included (the evaluator decides what counts). */
  gt: MotRow[];
  /** The sequence as video, when there is one: video frame n is ground-truth frame n + 1. */
  video: string | undefined;
}

/**
 * Where detections come from. A source yields one DetectionBatch per frame of the sequence, with
 * `sequence` = ground-truth frame - 1 (the video frame index), boxes in source pixels, exactly as
 * the inference service publishes them on va.detections.<camera>.
 */
export interface DetectionSource {
  readonly name: string;
  /** One line saying what the detections are, printed with the results. */
  readonly description: string;
  frames(sequence: MotSequence): AsyncIterable<DetectionBatch>;
}
