import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { ConditionRun } from './condition-run.js';
import { hasStats } from './frame-stats.js';
import { cameraFinding, type Finding, type SanityRule } from './rule.js';

export interface DarkOrBlankOptions {
  /** Mean luma (0..255) at or below which a frame is dark. */
  maxDarkLuma: number;
  /** Luma standard deviation at or below which a frame is blank (one flat colour: lens cap, "no signal"). */
  maxBlankStddev: number;
  minFrames: number;
  minMs: number;
}

/**
 * Dark or blank camera from ingest's frame statistics. Dark: mean luma at or below the bound
 * (covered lens, lights off, IR failure at night). Blank: almost no spread of luma (a flat grey or
 * blue "no signal" picture). The clips in ../shared/data have mean luma 53..146 and spread 10..73,
 * so the defaults (20 and 3) leave wide margins. A black frame is reported as dark, not blank.
 */
export class DarkOrBlankFrameRule implements SanityRule {
  /** Reads frame statistics only, which skipped frames carry too. */
  readonly judgesUndetectedFrames = true;
  private readonly dark: ConditionRun;
  private readonly blank: ConditionRun;

  constructor(private readonly options: DarkOrBlankOptions) {
    this.dark = new ConditionRun(options.minFrames, options.minMs);
    this.blank = new ConditionRun(options.minFrames, options.minMs);
  }

  onDetections(batch: DetectionBatch): Finding[] {
    const stats = batch.frameStats;
    if (!hasStats(stats)) return [];
    const isDark = stats.meanLuma <= this.options.maxDarkLuma;
    const isBlank = !isDark && stats.lumaStddev <= this.options.maxBlankStddev;
    const findings: Finding[] = [];
    const evidence = (run: { frames: number; durationMs: number; startSequence: number }) => ({
      frames: run.frames,
      duration_ms: run.durationMs,
      mean_luma: stats.meanLuma,
      luma_stddev: stats.lumaStddev,
      max_dark_luma: this.options.maxDarkLuma,
      max_blank_stddev: this.options.maxBlankStddev,
      since_sequence: run.startSequence,
    });
    const dark = this.dark.update(isDark, batch.sequence, batch.captureTsMs);
    if (dark) {
      findings.push(cameraFinding(batch, 'dark-or-blank-frame', 'dark', `camera ${batch.cameraId} has been dark (mean luma ${stats.meanLuma.toFixed(1)}) for ${dark.frames} frames`, evidence(dark)));
    }
    const blank = this.blank.update(isBlank, batch.sequence, batch.captureTsMs);
    if (blank) {
      findings.push(cameraFinding(batch, 'dark-or-blank-frame', 'blank', `camera ${batch.cameraId} has sent a flat picture (luma spread ${stats.lumaStddev.toFixed(1)}) for ${blank.frames} frames`, evidence(blank)));
    }
    return findings;
  }
}
