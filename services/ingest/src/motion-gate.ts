import { GRID } from './frame-stats.js';

/** A polygon in normalised picture coordinates (0..1 across the picture inside letterbox padding). */
export type MaskPolygon = ReadonlyArray<{ x: number; y: number }>;

export interface MotionGateSettings {
  /** A sample changed when its luma differs from the background by more than this (0..255). */
  pixelThreshold: number;
  /** The frame has motion when more than this share of the unmasked samples changed (0..1). */
  minChangedShare: number;
  /** A detection at least this often (capture time), motion or not, to catch slow changes. */
  forceDetectEveryMs: number;
  /** Samples inside any of these are ignored (a clock overlay, trees in the wind). */
  masks: MaskPolygon[];
}

/** Frames detected at start while the background settles (it starts as the first frame). */
export const SETTLE_FRAMES = 5;
/**
 * Weight of each frame in the running background. 0.1 absorbs a change that stays (a parked car)
 * in about 13 frames at a threshold of 25 levels, 2.6 s at 5 fps, while a moving person keeps
 * changing pixels at their edges.
 */
export const BACKGROUND_ALPHA = 0.1;

/**
 * Frigate's motion detector on the GRID x GRID luma samples the frame statistics already read:
 * each frame is compared with an exponential moving average of the previous ones and has motion
 * when enough unmasked samples differ by more than the pixel threshold. Decides, per published
 * frame, whether the detector should see it: yes while settling, on motion, and when the last
 * detection is older than the forced period; otherwise the frame skips detection and tracking
 * predicts it.
 */
export class MotionGate {
  private readonly background = new Float32Array(GRID * GRID);
  /** 1 for samples outside every mask (the ones that count). */
  private readonly counted = new Uint8Array(GRID * GRID);
  private readonly countedSamples: number;
  private framesSeen = 0;
  private lastDetectedAtMs = -Infinity;

  constructor(readonly settings: MotionGateSettings) {
    let n = 0;
    for (let gy = 0; gy < GRID; gy++) {
      const y = (gy + 0.5) / GRID;
      for (let gx = 0; gx < GRID; gx++) {
        const x = (gx + 0.5) / GRID;
        const inside = settings.masks.some((polygon) => insidePolygon(polygon, x, y));
        this.counted[gy * GRID + gx] = inside ? 0 : 1;
        if (!inside) n++;
      }
    }
    this.countedSamples = n;
  }

  /** Forgets the background (a new run of the source, or a new picture geometry). */
  reset(): void {
    this.framesSeen = 0;
  }

  /**
   * Feeds one frame's luma samples (every published frame, so the background follows the scene)
   * and answers whether it shows motion. Frames while settling count as motion.
   */
  observe(luma: Uint8Array): boolean {
    const { background, counted, settings } = this;
    if (this.framesSeen++ === 0) {
      for (let i = 0; i < background.length; i++) background[i] = luma[i] as number;
      return true;
    }
    let changed = 0;
    for (let i = 0; i < background.length; i++) {
      const value = luma[i] as number;
      const bg = background[i] as number;
      const diff = value - bg;
      if (counted[i] === 1 && (diff > settings.pixelThreshold || -diff > settings.pixelThreshold)) changed++;
      background[i] = bg + BACKGROUND_ALPHA * diff;
    }
    if (this.framesSeen <= SETTLE_FRAMES) return true;
    return this.countedSamples > 0 && changed > settings.minChangedShare * this.countedSamples;
  }

  /** Whether a detection is due regardless of motion (the forced period has passed). */
  forcedDue(captureTsMs: number): boolean {
    return captureTsMs - this.lastDetectedAtMs >= this.settings.forceDetectEveryMs;
  }

  /** The frame captured at this time goes to the detector. */
  detected(captureTsMs: number): void {
    this.lastDetectedAtMs = captureTsMs;
  }
}

/** Even-odd rule. */
export function insidePolygon(polygon: MaskPolygon, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i];
    const b = polygon[j];
    if (!a || !b) continue;
    if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}
