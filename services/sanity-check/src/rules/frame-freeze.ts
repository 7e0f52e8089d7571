import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { FrameStats } from '@va/proto/va/common/v1/frame';
import { ConditionRun } from './condition-run.js';
import { cameraFinding, type Finding, type SanityRule } from './rule.js';
import { hasPictureHealth, hasStats } from './frame-stats.js';

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
  /**
   * With ingest's grey thumbnail: the share of its cells that may change while the picture counts as
   * unchanged (an on-screen clock, a blinking status light). Clean footage changes 40 % or more.
   */
  maxChangedShare: number;
}

/**
 * Frame freeze: the camera keeps sending the same picture (identical thumbnail hashes from
 * ingest's frame statistics, or a near-zero change of luma and its spread, or, where ingest sends its
 * grey thumbnail, almost every cell of it exactly unchanged, so a ticking clock overlay does not hide a
 * frozen picture). A busy or empty scene
 * still changes from frame to frame through sensor noise and compression; measured on the shared
 * clips, identical 16x16 thumbnails last at most 3 frames in a row (an empty room), far below the
 * default of 3 s.
 */
export class FrameFreezeRule implements SanityRule {
  /** Reads frame statistics only, which skipped frames carry too. */
  readonly judgesUndetectedFrames = true;
  private previous: FrameStats | undefined;
  private readonly run: ConditionRun;
  private holding = false;
  /** Unchanged frames in a row before a freeze is suspected: still scenes repeat a frame or two. */
  private static readonly SUSPECT_AFTER = 3;

  constructor(private readonly options: FrameFreezeOptions) {
    this.run = new ConditionRun(options.minFrames, options.minMs);
  }

  pictureFault(): string | undefined {
    return this.holding && this.run.length >= FrameFreezeRule.SUSPECT_AFTER ? 'freeze' : undefined;
  }

  onDetections(batch: DetectionBatch): Finding[] {
    const stats = batch.frameStats;
    if (!hasStats(stats)) return [];
    const previous = this.previous;
    this.previous = stats;
    if (!previous) return [];
    const sameHash = stats.thumbHash === previous.thumbHash;
    const delta = this.options.nearZeroDelta;
    const nearZero =
      delta > 0 &&
      Math.abs(stats.meanLuma - previous.meanLuma) <= delta &&
      Math.abs(stats.lumaStddev - previous.lumaStddev) <= delta;
    const changed =
      hasPictureHealth(stats) && hasPictureHealth(previous) ? changedShare(stats.greyThumb, previous.greyThumb) : 1;
    const stillThumb = changed <= this.options.maxChangedShare;
    this.holding = sameHash || nearZero || stillThumb;
    // The first frame of a run is the one before the first repeat.
    const run = this.run.update(this.holding, batch.sequence, batch.captureTsMs);
    if (!run) return [];
    const frames = run.frames + 1;
    return [
      cameraFinding(
        batch,
        'frame-freeze',
        'freeze',
        `camera ${batch.cameraId} has sent the same picture for ${frames} frames (${(run.durationMs / 1000).toFixed(1)} s)`,
        {
          frames,
          duration_ms: run.durationMs,
          min_frames: this.options.minFrames,
          min_ms: this.options.minMs,
          identical_hash: sameHash ? 1 : 0,
          changed_share: changed,
          max_changed_share: this.options.maxChangedShare,
          mean_luma: stats.meanLuma,
          since_sequence: Math.max(0, run.startSequence - 1),
        },
      ),
    ];
  }
}

/** Share of thumbnail cells that differ at all between two frames. */
function changedShare(a: Uint8Array, b: Uint8Array): number {
  let changed = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) changed++;
  return changed / a.length;
}
