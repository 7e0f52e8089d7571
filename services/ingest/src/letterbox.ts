/** Letterbox padding colour: the grey YOLOX (and most YOLO exports) train with. */
export const LETTERBOX_PAD_VALUE = 114;

export interface LetterboxGeometry {
  /** Size of the resized picture inside the padded frame. */
  contentWidth: number;
  contentHeight: number;
  padX: number;
  padY: number;
  /** source pixel = (frame pixel - pad) / scale */
  scale: number;
}

/** Rounds like libavutil's av_rescale (nearest, halves away from zero) for positive values. */
function rescale(a: number, b: number, c: number): number {
  return Math.floor((a * b + Math.floor(c / 2)) / c);
}

/**
 * Where the picture lands inside a dstW x dstH frame: the same arithmetic as ffmpeg's
 * scale=force_original_aspect_ratio=decrease followed by pad=(ow-iw)/2:(oh-ih)/2, so the
 * geometry we report matches the pixels ffmpeg produced (checked against real ffmpeg in tests).
 */
export function letterboxGeometry(srcW: number, srcH: number, dstW: number, dstH: number): LetterboxGeometry {
  const contentWidth = Math.min(rescale(dstH, srcW, srcH), dstW);
  const contentHeight = Math.min(rescale(dstW, srcH, srcW), dstH);
  return {
    contentWidth,
    contentHeight,
    padX: Math.trunc((dstW - contentWidth) / 2),
    padY: Math.trunc((dstH - contentHeight) / 2),
    scale: Math.min(dstW / srcW, dstH / srcH),
  };
}

/** The ffmpeg filters that resize (and letterbox) to the stream's output size in `pixFmt`. */
export function resizeFilters(width: number, height: number, letterbox: boolean, pixFmt: 'rgb24' | 'bgr24'): string[] {
  if (width === 0) return [`format=${pixFmt}`];
  if (!letterbox) return [`scale=${width}:${height}:flags=bilinear`, `format=${pixFmt}`];
  const grey = LETTERBOX_PAD_VALUE.toString(16).padStart(2, '0').repeat(3);
  // Scale straight into the packed format so pad works on RGB (no chroma rounding of the offsets).
  return [
    `scale=${width}:${height}:force_original_aspect_ratio=decrease:flags=bilinear`,
    `format=${pixFmt}`,
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=0x${grey}`,
  ];
}
