import type { FrameStats } from '@va/proto/va/common/v1/frame';
import { REGIONS, THUMB_SIDE } from './frame-stats.js';
import { thumbCorrelation } from './view-shift.js';

export interface PictureBaselineOptions {
  /** The baseline is ready after at least this many frames... */
  minFrames: number;
  /** ...spanning at least this long (a few seconds of the camera's own picture). */
  minMs: number;
  /** Weight of each healthy frame in the running baseline once it is ready (slow drift: daylight, seasons). */
  followRate: number;
}

/** The camera's own normal picture: what its faults are measured against. */
export interface PictureNorm {
  luma: number;
  sharpness: number;
  noise: number;
  /** (red - green) and (blue - green) over green: the colour balance, free of exposure. */
  redBalance: number;
  blueBalance: number;
  regionLuma: Float64Array;
  regionContrast: Float64Array;
  /** Mean grey thumbnail: the view the camera is aimed at. */
  reference: Float32Array;
  /** The lowest correlation of a baseline frame with the reference: how much the scene itself moves. */
  selfCorrelation: number;
  /** Standard deviation of the reference's cells: how much structure the view has to line up. */
  referenceSpread: number;
}

export function colourBalance(stats: FrameStats): { red: number; blue: number } {
  const g = Math.max(stats.meanGreen, 16);
  return { red: (stats.meanRed - stats.meanGreen) / g, blue: (stats.meanBlue - stats.meanGreen) / g };
}

/**
 * Learns a camera's normal picture from its first frames (ready by count and time, a few seconds),
 * medians for the scalars so a person walking past does not set them, then follows slow change on
 * frames judged healthy. A new stream epoch starts a new baseline (the registry makes new rules).
 */
export class PictureBaseline {
  private learning: FrameStats[] = [];
  private firstTsMs = 0;
  private current: PictureNorm | undefined;

  constructor(private readonly options: PictureBaselineOptions) {}

  get norm(): PictureNorm | undefined {
    return this.current;
  }

  /** Feeds a frame while learning; returns true when the baseline became ready with it. */
  learn(stats: FrameStats, tsMs: number): boolean {
    if (this.current) return false;
    if (this.learning.length === 0) this.firstTsMs = tsMs;
    this.learning.push(stats);
    if (this.learning.length < this.options.minFrames || tsMs - this.firstTsMs < this.options.minMs) return false;
    this.current = build(this.learning);
    this.learning = [];
    return true;
  }

  /** Moves the baseline a little towards a healthy frame. */
  follow(stats: FrameStats): void {
    const n = this.current;
    if (!n) return;
    const a = this.options.followRate;
    const mix = (old: number, now: number) => old + a * (now - old);
    n.luma = mix(n.luma, stats.meanLuma);
    n.sharpness = mix(n.sharpness, stats.sharpness);
    n.noise = mix(n.noise, stats.noise);
    const balance = colourBalance(stats);
    n.redBalance = mix(n.redBalance, balance.red);
    n.blueBalance = mix(n.blueBalance, balance.blue);
    for (let k = 0; k < REGIONS; k++) {
      n.regionLuma[k] = mix(n.regionLuma[k] as number, stats.regionLuma[k] as number);
      n.regionContrast[k] = mix(n.regionContrast[k] as number, stats.regionContrast[k] as number);
    }
    for (let c = 0; c < n.reference.length; c++)
      n.reference[c] = mix(n.reference[c] as number, stats.greyThumb[c] as number);
  }
}

function build(frames: FrameStats[]): PictureNorm {
  const median = (pick: (s: FrameStats) => number) => {
    const v = frames.map(pick).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)] as number;
  };
  const reference = new Float32Array(THUMB_SIDE * THUMB_SIDE);
  for (const f of frames)
    for (let c = 0; c < reference.length; c++)
      reference[c] = (reference[c] as number) + (f.greyThumb[c] as number) / frames.length;
  const regionLuma = new Float64Array(REGIONS);
  const regionContrast = new Float64Array(REGIONS);
  for (let k = 0; k < REGIONS; k++) {
    regionLuma[k] = median((s) => s.regionLuma[k] as number);
    regionContrast[k] = median((s) => s.regionContrast[k] as number);
  }
  return {
    luma: median((s) => s.meanLuma),
    sharpness: median((s) => s.sharpness),
    noise: median((s) => s.noise),
    redBalance: median((s) => colourBalance(s).red),
    blueBalance: median((s) => colourBalance(s).blue),
    regionLuma,
    regionContrast,
    reference,
    selfCorrelation: Math.min(...frames.map((f) => thumbCorrelation(f.greyThumb, reference, 0, 0))),
    referenceSpread: spread(reference),
  };
}

function spread(values: Float32Array): number {
  let sum = 0;
  let sumSq = 0;
  for (const v of values) {
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / values.length;
  return Math.sqrt(Math.max(0, sumSq / values.length - mean * mean));
}
