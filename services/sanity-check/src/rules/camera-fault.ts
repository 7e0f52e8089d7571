import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { FrameStats } from '@va/proto/va/common/v1/frame';
import { ConditionRun } from './condition-run.js';
import { hasPictureHealth, REGIONS } from './frame-stats.js';
import { colourBalance, PictureBaseline, type PictureNorm, type PictureBaselineOptions } from './picture-baseline.js';
import { cameraFinding, type Finding, type SanityRule } from './rule.js';
import { bestViewShift, thumbCorrelation } from './view-shift.js';

export interface CameraFaultOptions {
  baseline: PictureBaselineOptions;
  /** A fault holds for at least this many frames... */
  minFrames: number;
  /** ...and this long before it is flagged. */
  minMs: number;
}

/** The faults this rule names, root causes first: when several hold, only the first counts. */
export const CAMERA_FAULT_KINDS = ['obstruction', 'dark', 'camera-moved', 'colour-fault', 'noise', 'blur'] as const;
export type CameraFaultKind = (typeof CAMERA_FAULT_KINDS)[number];

/** Kinds that degrade the picture rather than blind the camera: one severity step milder. */
const MILDER: ReadonlySet<CameraFaultKind> = new Set(['camera-moved', 'colour-fault', 'noise', 'blur']);

/*
 * Thresholds, measured on the shared clips at 3 fps with faults made by ffmpeg (harness/src/sanity-scenes/camera-faults.ts):
 * a black half-cover takes 8 regions to luma 0 and contrast 0; dimming leaves a quarter of the luma;
 * swapping red and blue moves the colour balance 0.3 on a warm indoor scene (a grey one cannot show it);
 * sensor noise multiplies the noise level 20x; a Gaussian blur divides sharpness by 10-40; a knocked camera
 * leaves the thumbnail correlating with the reference 0.4 less in place and 0.25 better shifted (people walking
 * through take 0.12 off); the parking lot's featureless asphalt (reference spread under 12) cannot show a move.
 * Clean footage stays inside: auto-exposure steps move luma by at most 40 %, cars and people move
 * sharpness up, never to a fifth, and the balance by under 0.05.
 */
const COVERED_LUMA_SHARE = 0.25;
const COVERED_MAX_LUMA = 12;
const COVERED_CONTRAST_SHARE = 0.35;
const COVERED_MIN_CONTRAST = 0.8;
const MIN_COVERED_REGIONS = 2;
const MIN_HEALTHY_REGIONS = 3;
const DARK_LUMA_SHARE = 0.4;
const MIN_BASE_LUMA_FOR_DARK = 30;
const MAX_BALANCE_SHIFT = 0.12;
const NOISE_RATIO = 3;
const NOISE_MIN_RISE = 6;
const BLUR_SHARPNESS_SHARE = 0.2;
const MIN_BASE_SHARPNESS = 4;
/** The reference must line up with the camera's own frames at least this well to judge a move... */
const MIN_SELF_CORRELATION = 0.6;
/** ...and have structure: a featureless view (asphalt from above) correlates with passing cars, not with itself. */
const MIN_REFERENCE_SPREAD = 12;
const MOVED_DROP = 0.3;
const MOVED_SHIFT_GAIN = 0.15;
const MAX_SHIFT_CELLS = 6;
const FLAT_PICTURE = 0.9;

interface Judgement {
  kind: CameraFaultKind;
  message: string;
  evidence: Record<string, number>;
}

/**
 * Camera faults seen in ingest's picture-health statistics against the camera's own baseline,
 * learnt from its first seconds: part of the view covered, under-exposed, moved or re-aimed, colour
 * balance broken (swapped channels, cast, IR stuck), sensor noise, blur or defocus. Each frame gets
 * at most one judgement, the root cause first (a covered half also loses sharpness, but it is the
 * cover), and each kind is flagged once per run of frames it holds in. Flat pictures (signal lost,
 * lens cap) are dark-or-blank-frame's; a picture that stopped changing is frame-freeze's.
 */
export class CameraFaultRule implements SanityRule {
  /** Reads frame statistics only, which skipped frames carry too. */
  readonly judgesUndetectedFrames = true;
  private readonly baseline: PictureBaseline;
  private readonly runs = new Map<CameraFaultKind, ConditionRun>();
  private holding: CameraFaultKind | undefined;

  constructor(private readonly options: CameraFaultOptions) {
    this.baseline = new PictureBaseline(options.baseline);
    for (const kind of CAMERA_FAULT_KINDS) this.runs.set(kind, new ConditionRun(options.minFrames, options.minMs));
  }

  pictureFault(): string | undefined {
    return this.holding;
  }

  onDetections(batch: DetectionBatch): Finding[] {
    const stats = batch.frameStats;
    if (!hasPictureHealth(stats) || stats.flatShare >= FLAT_PICTURE) {
      this.holding = undefined;
      return [];
    }
    const norm = this.baseline.norm;
    if (!norm) {
      this.baseline.learn(stats, batch.captureTsMs);
      return [];
    }
    const judgement = judge(stats, norm);
    this.holding = judgement?.kind;
    if (!judgement) this.baseline.follow(stats);
    const findings: Finding[] = [];
    for (const [kind, run] of this.runs) {
      const done = run.update(kind === judgement?.kind, batch.sequence, batch.captureTsMs);
      if (!done || !judgement) continue;
      const finding = cameraFinding(
        batch,
        'camera-fault',
        kind,
        `camera ${batch.cameraId}: ${judgement.message} for ${done.frames} frames (${(done.durationMs / 1000).toFixed(1)} s)`,
        {
          ...judgement.evidence,
          frames: done.frames,
          duration_ms: done.durationMs,
          since_sequence: done.startSequence,
        },
      );
      findings.push(MILDER.has(kind) ? { ...finding, milder: true } : finding);
    }
    return findings;
  }
}

function judge(stats: FrameStats, norm: PictureNorm): Judgement | undefined {
  return (
    covered(stats, norm) ??
    dark(stats, norm) ??
    moved(stats, norm) ??
    colour(stats, norm) ??
    noisy(stats, norm) ??
    blurred(stats, norm)
  );
}

function covered(stats: FrameStats, norm: PictureNorm): Judgement | undefined {
  let coveredRegions = 0;
  let healthy = 0;
  for (let k = 0; k < REGIONS; k++) {
    const luma = stats.regionLuma[k] as number;
    const baseLuma = norm.regionLuma[k] as number;
    const contrast = stats.regionContrast[k] as number;
    const baseContrast = norm.regionContrast[k] as number;
    const darkened = luma <= COVERED_MAX_LUMA || luma < COVERED_LUMA_SHARE * baseLuma;
    const flattened = contrast < Math.max(COVERED_MIN_CONTRAST, COVERED_CONTRAST_SHARE * baseContrast);
    if (darkened && flattened) coveredRegions++;
    else if (Math.abs(luma - baseLuma) <= 0.5 * Math.max(baseLuma, 20)) healthy++;
  }
  if (coveredRegions < MIN_COVERED_REGIONS || healthy < MIN_HEALTHY_REGIONS) return undefined;
  return {
    kind: 'obstruction',
    message: `${coveredRegions} of ${REGIONS} regions of the view are covered (dark and without detail)`,
    evidence: { covered_regions: coveredRegions, healthy_regions: healthy, min_covered_regions: MIN_COVERED_REGIONS },
  };
}

function dark(stats: FrameStats, norm: PictureNorm): Judgement | undefined {
  if (norm.luma < MIN_BASE_LUMA_FOR_DARK || stats.meanLuma >= DARK_LUMA_SHARE * norm.luma) return undefined;
  return {
    kind: 'dark',
    message: `the picture is under-exposed (mean luma ${stats.meanLuma.toFixed(0)}, normally ${norm.luma.toFixed(0)})`,
    evidence: { mean_luma: stats.meanLuma, baseline_luma: norm.luma, max_luma_share: DARK_LUMA_SHARE },
  };
}

function moved(stats: FrameStats, norm: PictureNorm): Judgement | undefined {
  if (norm.selfCorrelation < MIN_SELF_CORRELATION || norm.referenceSpread < MIN_REFERENCE_SPREAD) return undefined;
  const inPlace = thumbCorrelation(stats.greyThumb, norm.reference, 0, 0);
  if (inPlace > norm.selfCorrelation - MOVED_DROP) return undefined;
  const shift = bestViewShift(stats.greyThumb, norm.reference, MAX_SHIFT_CELLS);
  if (shift.correlation < inPlace + MOVED_SHIFT_GAIN) return undefined;
  return {
    kind: 'camera-moved',
    message: `the view no longer matches the learnt reference (correlation ${inPlace.toFixed(2)}, ${shift.correlation.toFixed(2)} shifted by ${shift.dx}, ${shift.dy} thumbnail cells): the camera was moved or knocked`,
    evidence: {
      correlation: inPlace,
      baseline_correlation: norm.selfCorrelation,
      shifted_correlation: shift.correlation,
      shift_x_cells: shift.dx,
      shift_y_cells: shift.dy,
    },
  };
}

function colour(stats: FrameStats, norm: PictureNorm): Judgement | undefined {
  const balance = colourBalance(stats);
  const shift = Math.hypot(balance.red - norm.redBalance, balance.blue - norm.blueBalance);
  if (shift < MAX_BALANCE_SHIFT) return undefined;
  return {
    kind: 'colour-fault',
    message: `the colour balance moved by ${shift.toFixed(2)} from the camera's own (red ${norm.redBalance.toFixed(2)} -> ${balance.red.toFixed(2)}, blue ${norm.blueBalance.toFixed(2)} -> ${balance.blue.toFixed(2)}): colour cast or swapped channels`,
    evidence: {
      balance_shift: shift,
      max_balance_shift: MAX_BALANCE_SHIFT,
      red_balance: balance.red,
      blue_balance: balance.blue,
      baseline_red_balance: norm.redBalance,
      baseline_blue_balance: norm.blueBalance,
    },
  };
}

function noisy(stats: FrameStats, norm: PictureNorm): Judgement | undefined {
  if (stats.noise < Math.max(NOISE_RATIO * norm.noise, norm.noise + NOISE_MIN_RISE)) return undefined;
  return {
    kind: 'noise',
    message: `sensor noise is ${stats.noise.toFixed(0)}, normally ${norm.noise.toFixed(0)}`,
    evidence: { noise: stats.noise, baseline_noise: norm.noise, noise_ratio: NOISE_RATIO },
  };
}

function blurred(stats: FrameStats, norm: PictureNorm): Judgement | undefined {
  if (norm.sharpness < MIN_BASE_SHARPNESS || stats.sharpness > BLUR_SHARPNESS_SHARE * norm.sharpness) return undefined;
  return {
    kind: 'blur',
    message: `the picture is blurred or out of focus (sharpness ${stats.sharpness.toFixed(1)}, normally ${norm.sharpness.toFixed(1)})`,
    evidence: {
      sharpness: stats.sharpness,
      baseline_sharpness: norm.sharpness,
      max_sharpness_share: BLUR_SHARPNESS_SHARE,
    },
  };
}
