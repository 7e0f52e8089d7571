import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { FrameStats } from '@va/proto/va/common/v1/frame';
import { ConditionRun } from './condition-run.js';
import { cameraFinding, type Finding, type SanityRule } from './rule.js';
import { hasStats } from './frame-stats.js';

export interface FrameFreezeOptions {
  /** Consecutive unchanged frames before the camera counts as frozen... */
  minFrames: number;
  /** ...and for at least this long. */
  minMs: number;
  /**
   * Frames whose mean luma and luma spread both change by at most this much also count as
   * unchanged (a frozen picture with a ticking clock overlay); 0 uses the thumbnail hash only.
   */
  nearZeroDelta: number;
}

/**
 * Frame freeze: the camera keeps sending the same picture (identical thumbnail hashes from
 * ingest's frame statistics, or a near-zero change of luma and its spread). A busy or empty scene
 * still changes from frame to frame through sensor noise and compression; measured on the shared
 * clips, identical 16x16 thumbnails last at most 3 frames in a row (an empty room), far below the
 * default of 3 s.
 */
export class FrameFreezeRule implements SanityRule {
  /** Reads frame statistics only, which skipped frames carry too. */
  readonly judgesUndetectedFrames = true;
  private previous: FrameStats | undefined;
  private readonly run: ConditionRun;

  constructor(private readonly options: FrameFreezeOptions) {
    this.run = new ConditionRun(options.minFrames, options.minMs);
  }

  onDetections(batch: DetectionBatch): Finding[] {
    const stats = batch.frameStats;
    if (!hasStats(stats)) return [];
    const previous = this.previous;
    this.previous = stats;
    if (!previous) return [];
    const sameHash = stats.thumbHash === previous.thumbHash;
    const delta = this.options.nearZeroDelta;
    const nearZero = delta > 0 && Math.abs(stats.meanLuma - previous.meanLuma) <= delta && Math.abs(stats.lumaStddev - previous.lumaStddev) <= delta;
    // The first frame of a run is the one before the first repeat.
    const run = this.run.update(sameHash || nearZero, batch.sequence, batch.captureTsMs);
    if (!run) return [];
    const frames = run.frames + 1;
    return [
      cameraFinding(batch, 'frame-freeze', 'freeze', `camera ${batch.cameraId} has sent the same picture for ${frames} frames (${(run.durationMs / 1000).toFixed(1)} s)`, {
        frames,
        duration_ms: run.durationMs,
        min_frames: this.options.minFrames,
        min_ms: this.options.minMs,
        identical_hash: sameHash ? 1 : 0,
        mean_luma: stats.meanLuma,
        since_sequence: Math.max(0, run.startSequence - 1),
      }),
    ];
  }
}
