import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { ConditionRun } from './condition-run.js';
import { hasPictureHealth, hasStats } from './frame-stats.js';
import { cameraFinding, type Finding, type SanityRule } from './rule.js';

export interface DarkOrBlankOptions {
  /** Mean luma (0..255) at or below which a frame is dark. */
  maxDarkLuma: number;
  /** Luma standard deviation at or below which a frame is blank (one flat colour: lens cap, "no signal"). */
  maxBlankStddev: number;
  /**
   * Share of samples at the most common level (FrameStats.flat_share) at or above which the signal is
   * lost although some structure is left: a placeholder screen with a line of text.
   */
  minFlatShare: number;
  minFrames: number;
  minMs: number;
}

/** Mean luma at or above which a flat picture is washed out (glare, whiteout) rather than a lost signal. */
const GLARE_MIN_LUMA = 235;

type Kind = 'dark' | 'glare' | 'blank' | 'signal-lost';

const MESSAGES: Record<Kind, (luma: number, spread: number, flat: number) => string> = {
  dark: (luma) => `has been dark (mean luma ${luma.toFixed(1)})`,
  glare: (luma) => `has been washed out by glare (mean luma ${luma.toFixed(1)})`,
  blank: (_luma, spread) => `has sent a flat picture (luma spread ${spread.toFixed(1)})`,
  'signal-lost': (_luma, _spread, flat) =>
    `has lost its signal: ${Math.round(flat * 100)} % of the picture is one flat colour (a placeholder screen)`,
};

/**
 * Dark, washed-out, blank or lost camera from ingest's frame statistics. Dark: mean luma at or below
 * the bound (covered lens, lights off, IR failure at night, no signal on a black screen). Glare: a
 * flat, almost white picture. Blank: almost no spread of luma (a flat grey picture). Signal lost: most
 * of the picture one flat colour, though a line of text keeps the spread up ("NO SIGNAL" on blue). The
 * clips in ../shared/data have mean luma 53..146, spread 10..73 and flat share under 0.7, so the
 * defaults (20, 3, 0.9) leave wide margins. Each frame is one kind, in that order: black is dark only.
 */
export class DarkOrBlankFrameRule implements SanityRule {
  /** Reads frame statistics only, which skipped frames carry too. */
  readonly judgesUndetectedFrames = true;
  private readonly runs = new Map<Kind, ConditionRun>();
  private holding: Kind | undefined;

  constructor(private readonly options: DarkOrBlankOptions) {
    for (const kind of Object.keys(MESSAGES) as Kind[])
      this.runs.set(kind, new ConditionRun(options.minFrames, options.minMs));
  }

  pictureFault(): string | undefined {
    return this.holding;
  }

  onDetections(batch: DetectionBatch): Finding[] {
    const stats = batch.frameStats;
    if (!hasStats(stats)) return [];
    const flat = hasPictureHealth(stats) ? stats.flatShare : 0;
    const o = this.options;
    const kind: Kind | undefined =
      stats.meanLuma <= o.maxDarkLuma
        ? 'dark'
        : stats.meanLuma >= GLARE_MIN_LUMA && (flat >= o.minFlatShare || stats.lumaStddev <= o.maxBlankStddev)
          ? 'glare'
          : stats.lumaStddev <= o.maxBlankStddev
            ? 'blank'
            : flat >= o.minFlatShare
              ? 'signal-lost'
              : undefined;
    this.holding = kind;
    const findings: Finding[] = [];
    for (const [k, run] of this.runs) {
      const done = run.update(k === kind, batch.sequence, batch.captureTsMs);
      if (!done) continue;
      findings.push(
        cameraFinding(
          batch,
          'dark-or-blank-frame',
          k,
          `camera ${batch.cameraId} ${MESSAGES[k](stats.meanLuma, stats.lumaStddev, flat)} for ${done.frames} frames`,
          {
            frames: done.frames,
            duration_ms: done.durationMs,
            mean_luma: stats.meanLuma,
            luma_stddev: stats.lumaStddev,
            flat_share: flat,
            max_dark_luma: o.maxDarkLuma,
            max_blank_stddev: o.maxBlankStddev,
            min_flat_share: o.minFlatShare,
            since_sequence: done.startSequence,
          },
        ),
      );
    }
    return findings;
  }
}
