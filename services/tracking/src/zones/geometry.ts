/** Plane geometry for zones and counting lines, in source-frame pixels (y grows downwards). */

export interface Pt {
  x: number;
  y: number;
}

/** Even-odd rule; points exactly on an edge count as inside on the left/top edges only, as usual for ray casting. */
export function pointInPolygon(p: Pt, polygon: readonly Pt[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i] as Pt;
    const b = polygon[j] as Pt;
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

/** Twice the signed area (shoelace); 0 for a degenerate polygon. */
export function signedArea2(polygon: readonly Pt[]): number {
  let s = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i] as Pt;
    const b = polygon[j] as Pt;
    s += (b.x - a.x) * (b.y + a.y);
  }
  return s;
}

/** > 0 when p is to the right of a->b as seen on screen (y down), < 0 to the left, 0 on the line. */
export function side(a: Pt, b: Pt, p: Pt): number {
  return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
}

export type Crossing = 'in' | 'out';

/**
 * Whether moving from p0 to p1 crosses the segment a-b, and which way: 'in' from the left of a->b
 * to its right (on screen, y down: for a line drawn left to right, from above to below), 'out' the
 * other way. Touching without changing sides is no crossing; a move that starts exactly on the
 * line counts from the side it came from, which the caller tracks (`fromSide`).
 */
export function crossing(a: Pt, b: Pt, p0: Pt, p1: Pt, fromSide?: number): Crossing | undefined {
  const s0 = fromSide ?? Math.sign(side(a, b, p0));
  const s1 = Math.sign(side(a, b, p1));
  if (s0 === 0 || s1 === 0 || s0 === s1) return undefined;
  // The movement's line must meet a-b within the segment a-b.
  const t0 = side(p0, p1, a);
  const t1 = side(p0, p1, b);
  if (t0 !== 0 && t1 !== 0 && Math.sign(t0) === Math.sign(t1)) return undefined;
  return s0 < 0 ? 'in' : 'out';
}
