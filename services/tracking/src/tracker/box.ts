import type { Xyah } from './kalman.js';

/** A box in source-frame pixels, corners (x1, y1) top-left and (x2, y2) bottom-right. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export function toXyah(b: Box): Xyah {
  const w = b.x2 - b.x1;
  const h = b.y2 - b.y1;
  return [b.x1 + w / 2, b.y1 + h / 2, w / h, h];
}

/** The box of a filter mean [cx, cy, a, h, ...]. */
export function fromXyah(mean: ArrayLike<number>): Box {
  const h = mean[3] as number;
  const w = (mean[2] as number) * h;
  const cx = mean[0] as number;
  const cy = mean[1] as number;
  return { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 };
}

export { iou } from '@va/common';

export function centre(b: Box): { x: number; y: number } {
  return { x: (b.x1 + b.x2) / 2, y: (b.y1 + b.y2) / 2 };
}

/** Bottom centre: where a person or vehicle touches the ground; zones and lines test this point. */
export function footPoint(b: Box): { x: number; y: number } {
  return { x: (b.x1 + b.x2) / 2, y: b.y2 };
}
