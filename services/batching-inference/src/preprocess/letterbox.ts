/**
 * The geometry between a source frame and a model input, and back. Boxes leave the service in
 * source-frame pixels (the camera's full resolution), so every path that puts pixels into the
 * model records how: input = source * s + pad, per axis.
 */

/** Where the picture lands inside the model input, in input pixels. */
export interface Placement {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** input_x = source_x * sx + padX (and the same for y). */
export interface InputTransform {
  sx: number;
  sy: number;
  padX: number;
  padY: number;
}

export interface FitSpec {
  width: number;
  height: number;
  resize: 'letterbox' | 'stretch';
  letterboxAlign: 'center' | 'top-left';
}

/**
 * Where an image of imageWidth x imageHeight goes in the input. Letterbox keeps the aspect ratio
 * with the same rounding as YOLOX's preprocessing (content size floored), then pads.
 */
export function fitImage(imageWidth: number, imageHeight: number, spec: FitSpec): Placement {
  if (spec.resize === 'stretch') return { x: 0, y: 0, width: spec.width, height: spec.height };
  const r = Math.min(spec.width / imageWidth, spec.height / imageHeight);
  const width = Math.max(1, Math.min(spec.width, Math.floor(imageWidth * r)));
  const height = Math.max(1, Math.min(spec.height, Math.floor(imageHeight * r)));
  if (spec.letterboxAlign === 'top-left') return { x: 0, y: 0, width, height };
  return { x: Math.floor((spec.width - width) / 2), y: Math.floor((spec.height - height) / 2), width, height };
}

/**
 * Source-frame pixels to the pixels of the image received: ingest may have scaled the frame down,
 * or letterboxed it already (then the frame says how: source = (pixel - pad) / scale).
 */
export function imageTransform(
  image: { width: number; height: number },
  sourceWidth: number,
  sourceHeight: number,
  letterbox?: { scale: number; padX: number; padY: number },
): InputTransform {
  if (letterbox && letterbox.scale > 0)
    return { sx: letterbox.scale, sy: letterbox.scale, padX: letterbox.padX, padY: letterbox.padY };
  return { sx: image.width / sourceWidth, sy: image.height / sourceHeight, padX: 0, padY: 0 };
}

/** Source to input: the source-to-image transform followed by placing the image at `placement`. */
export function throughPlacement(
  t: InputTransform,
  image: { width: number; height: number },
  placement: Placement,
): InputTransform {
  const kx = placement.width / image.width;
  const ky = placement.height / image.height;
  return { sx: t.sx * kx, sy: t.sy * ky, padX: t.padX * kx + placement.x, padY: t.padY * ky + placement.y };
}

/** A box in input pixels mapped to source-frame pixels and clipped to the frame. */
export function toSourceBox(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  t: InputTransform,
  sourceWidth: number,
  sourceHeight: number,
): { x1: number; y1: number; x2: number; y2: number } {
  return {
    x1: clamp((x1 - t.padX) / t.sx, 0, sourceWidth),
    y1: clamp((y1 - t.padY) / t.sy, 0, sourceHeight),
    x2: clamp((x2 - t.padX) / t.sx, 0, sourceWidth),
    y2: clamp((y2 - t.padY) / t.sy, 0, sourceHeight),
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
