import { THUMB_SIDE } from './frame-stats.js';

/**
 * Normalised cross-correlation (-1..1) of a grey thumbnail with a reference, the thumbnail moved by
 * (dx, dy) cells, over the cells both cover. 0 when either side is flat (no structure to compare).
 */
export function thumbCorrelation(thumb: Uint8Array, reference: Float32Array, dx: number, dy: number): number {
  const side = THUMB_SIDE;
  const x0 = Math.max(0, dx);
  const x1 = Math.min(side, side + dx);
  const y0 = Math.max(0, dy);
  const y1 = Math.min(side, side + dy);
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let y = y0; y < y1; y++) {
    const rowA = (y - dy) * side - dx;
    const rowB = y * side;
    for (let x = x0; x < x1; x++) {
      const a = thumb[rowA + x] as number;
      const b = reference[rowB + x] as number;
      n++;
      sa += a;
      sb += b;
      saa += a * a;
      sbb += b * b;
      sab += a * b;
    }
  }
  if (n === 0) return 0;
  const va = saa - (sa * sa) / n;
  const vb = sbb - (sb * sb) / n;
  if (va <= n || vb <= n) return 0; // under one grey level of spread: nothing to line up
  return (sab - (sa * sb) / n) / Math.sqrt(va * vb);
}

export interface ViewShift {
  dx: number;
  dy: number;
  correlation: number;
}

/**
 * The shift of the thumbnail against the reference (cells, up to `maxShift` each way) that lines
 * them up best, by exhaustive search: (2 * maxShift + 1)^2 correlations of at most 1024 cells, run
 * only when the picture no longer matches the reference in place.
 */
export function bestViewShift(thumb: Uint8Array, reference: Float32Array, maxShift: number): ViewShift {
  let best: ViewShift = { dx: 0, dy: 0, correlation: thumbCorrelation(thumb, reference, 0, 0) };
  for (let dy = -maxShift; dy <= maxShift; dy++) {
    for (let dx = -maxShift; dx <= maxShift; dx++) {
      if (dx === 0 && dy === 0) continue;
      const correlation = thumbCorrelation(thumb, reference, dx, dy);
      if (correlation > best.correlation) best = { dx, dy, correlation };
    }
  }
  return best;
}
