/** An axis-aligned box by its corners: (x1, y1) top-left, (x2, y2) bottom-right. */
export interface Corners {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Intersection over union of two boxes; 0 when they do not overlap or both are empty. */
export function iou(a: Corners, b: Corners): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  if (iw <= 0) return 0;
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}
