import type { FrameStats } from '@va/proto/va/common/v1/frame';
import { PictureHealthSampler } from './picture-health.js';

/** Thumbnail side: the hash covers a THUMB x THUMB grey image of block means. */
const THUMB = 16;
/** Samples per thumbnail cell side: THUMB * SAMPLES = 64 x 64 = 4096 pixels read per frame. */
const SAMPLES = 4;
/** Side of the luma sample grid; the motion gate reads the same samples (FrameStatsSampler.luma). */
export const GRID = THUMB * SAMPLES;
const HASH_MASK_HI = 0x1fffff; // 21 + 32 = 53 bits: survives the generated code's forceLong=number

export interface StatsRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Cheap per-frame statistics from a packed 3-byte-per-pixel image (RGB or BGR): mean luma
 * (BT.601) and its standard deviation over a 64 x 64 sample grid, and a hash of a 16 x 16 grey
 * thumbnail of block means. The hash is equal exactly when the thumbnail is equal, which is what
 * a frozen camera produces; block means over 16 samples each, quantised to 64 levels, keep
 * decoder noise from hiding a freeze without letting a real change go unnoticed.
 * Camera-health signals from the same samples come from picture-health.ts.
 * `region` limits the statistics to the picture inside letterbox padding. The sample positions
 * are computed once per stream geometry; each frame then reads 4096 pixels.
 */
export class FrameStatsSampler {
  private readonly positions = new Int32Array(GRID * GRID);
  private readonly cellOf = new Uint16Array(GRID * GRID);
  private readonly cells = new Uint16Array(THUMB * THUMB);
  /** The last compute()'s luma samples, row-major GRID x GRID over the region (the motion gate's thumbnail). */
  readonly luma = new Uint8Array(GRID * GRID);
  private readonly rOff: number;
  private readonly bOff: number;
  private readonly health: PictureHealthSampler;

  constructor(width: number, height: number, bgr: boolean, region?: StatsRegion) {
    const rx = region?.x ?? 0;
    const ry = region?.y ?? 0;
    const rw = region?.width ?? width;
    const rh = region?.height ?? height;
    this.rOff = bgr ? 2 : 0;
    this.bOff = bgr ? 0 : 2;
    for (let gy = 0; gy < GRID; gy++) {
      const y = ry + Math.floor(((gy + 0.5) * rh) / GRID);
      for (let gx = 0; gx < GRID; gx++) {
        const x = rx + Math.floor(((gx + 0.5) * rw) / GRID);
        this.positions[gy * GRID + gx] = (y * width + x) * 3;
        this.cellOf[gy * GRID + gx] = ((gy / SAMPLES) | 0) * THUMB + ((gx / SAMPLES) | 0);
      }
    }
    this.health = new PictureHealthSampler(GRID, this.positions, width, rw / GRID, rh / GRID, this.rOff, this.bOff);
  }

  compute(pixels: Uint8Array, offset: number): FrameStats {
    const { positions, cellOf, cells, luma: grid, rOff, bOff } = this;
    cells.fill(0);
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < positions.length; i++) {
      const p = offset + (positions[i] as number);
      const luma =
        (77 * (pixels[p + rOff] as number) + 150 * (pixels[p + 1] as number) + 29 * (pixels[p + bOff] as number)) >> 8;
      grid[i] = luma;
      sum += luma;
      sumSq += luma * luma;
      const cell = cellOf[i] as number;
      cells[cell] = (cells[cell] as number) + luma;
    }
    const n = positions.length;
    const mean = sum / n;
    return {
      meanLuma: mean,
      lumaStddev: Math.sqrt(Math.max(0, sumSq / n - mean * mean)),
      thumbHash: hashCells(cells),
      ...this.health.measure(pixels, offset, grid),
    };
  }
}

/** One-off statistics (tests, tools); streams keep a FrameStatsSampler. */
export function computeFrameStats(
  pixels: Uint8Array,
  offset: number,
  width: number,
  height: number,
  bgr: boolean,
  region?: StatsRegion,
): FrameStats {
  return new FrameStatsSampler(width, height, bgr, region).compute(pixels, offset);
}

/** Two FNV-1a 32-bit lanes over the quantised cells, folded into 53 bits. */
function hashCells(cells: Uint16Array): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const perCell = SAMPLES * SAMPLES;
  for (let i = 0; i < cells.length; i++) {
    const level = ((cells[i] as number) / perCell) >> 2;
    a = Math.imul(a ^ level, 0x01000193);
    b = Math.imul(b ^ (level + i), 0x01000193);
  }
  return ((b >>> 0) & HASH_MASK_HI) * 0x1_0000_0000 + (a >>> 0);
}
