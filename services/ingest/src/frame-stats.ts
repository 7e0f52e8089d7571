import type { FrameStats } from '@va/common/gen/va/common/v1/frame';

/** Thumbnail side: the hash covers a THUMB x THUMB grey image of block means. */
const THUMB = 16;
/** Samples per thumbnail cell side: THUMB * SAMPLES = 64 x 64 = 4096 pixels read per frame. */
const SAMPLES = 4;
const GRID = THUMB * SAMPLES;
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
 * `region` limits the statistics to the picture inside letterbox padding.
 */
export function computeFrameStats(pixels: Uint8Array, offset: number, width: number, height: number, bgr: boolean, region?: StatsRegion): FrameStats {
  const rx = region?.x ?? 0;
  const ry = region?.y ?? 0;
  const rw = region?.width ?? width;
  const rh = region?.height ?? height;
  const rOff = bgr ? 2 : 0;
  const bOff = bgr ? 0 : 2;
  const stride = width * 3;
  const cells = new Uint16Array(THUMB * THUMB);
  let sum = 0;
  let sumSq = 0;
  for (let gy = 0; gy < GRID; gy++) {
    const y = ry + Math.floor(((gy + 0.5) * rh) / GRID);
    const row = offset + y * stride;
    const cellRow = ((gy / SAMPLES) | 0) * THUMB;
    for (let gx = 0; gx < GRID; gx++) {
      const p = row + (rx + Math.floor(((gx + 0.5) * rw) / GRID)) * 3;
      const luma = (77 * (pixels[p + rOff] as number) + 150 * (pixels[p + 1] as number) + 29 * (pixels[p + bOff] as number)) >> 8;
      sum += luma;
      sumSq += luma * luma;
      const cell = cellRow + ((gx / SAMPLES) | 0);
      cells[cell] = (cells[cell] as number) + luma;
    }
  }
  const n = GRID * GRID;
  const mean = sum / n;
  const variance = Math.max(0, sumSq / n - mean * mean);
  return { meanLuma: mean, lumaStddev: Math.sqrt(variance), thumbHash: hashCells(cells) };
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
