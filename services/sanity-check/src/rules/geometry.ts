import type { BBox } from '@va/proto/va/common/v1/geometry';

/** Box helpers in source-frame pixels (x1,y1 top-left; x2,y2 bottom-right). */

export function isFiniteBox(b: BBox): boolean {
  return Number.isFinite(b.x1) && Number.isFinite(b.y1) && Number.isFinite(b.x2) && Number.isFinite(b.y2);
}

export function area(b: BBox): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

export function diagonal(b: BBox): number {
  return Math.hypot(b.x2 - b.x1, b.y2 - b.y1);
}

export function centre(b: BBox): { x: number; y: number } {
  return { x: (b.x1 + b.x2) / 2, y: (b.y1 + b.y2) / 2 };
}

function intersection(a: BBox, b: BBox): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  return w > 0 && h > 0 ? w * h : 0;
}

export { iou } from '@va/common';

/** Share of `box` covered by `other` (0..1): how much of it another object hides. */
export function coveredBy(box: BBox, other: BBox): number {
  const a = area(box);
  return a > 0 ? intersection(box, other) / a : 0;
}

/** True when the box lies inside the frame with `margin` (a share of the frame size) to spare on every side. */
export function insideWithMargin(b: BBox, width: number, height: number, margin: number): boolean {
  const mx = width * margin;
  const my = height * margin;
  return b.x1 >= mx && b.y1 >= my && b.x2 <= width - mx && b.y2 <= height - my;
}

/** The box moved by (dx, dy). */
export function shifted(b: BBox, dx: number, dy: number): BBox {
  return { x1: b.x1 + dx, y1: b.y1 + dy, x2: b.x2 + dx, y2: b.y2 + dy };
}

/** True when the box centre lies in the frame (a frame of unknown size contains everything). */
export function centreInside(b: BBox, width: number, height: number): boolean {
  if (width <= 0 || height <= 0) return true;
  const c = centre(b);
  return c.x >= 0 && c.y >= 0 && c.x <= width && c.y <= height;
}
