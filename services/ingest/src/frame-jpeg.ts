import sharp from 'sharp';
import { PixelFormat, type Frame } from '@va/proto/va/common/v1/frame';

/** A frame whose header (or JPEG) claims more pixels than the largest frame ingest takes (VA_INGEST_MAX_WIDTH x VA_INGEST_MAX_HEIGHT): not decoded, not kept. */
export class FrameTooLargeError extends Error {}

export interface JpegImage {
  data: Buffer;
  /** Source-frame size: the size boxes are given in. */
  width: number;
  height: number;
}

const BGR_TO_RGB: [[number, number, number], [number, number, number], [number, number, number]] = [
  [0, 0, 1],
  [0, 1, 0],
  [1, 0, 0],
];

/**
 * Encodes a frame as JPEG in source-frame pixels, the space boxes are in: a letterboxed frame has
 * its padding cut off and is scaled back up, a resized one is scaled back to the source size, so
 * a box drawn from a detection lands on the object. A JPEG frame that needs no change is stored as
 * it came (no re-encoding). Nothing larger than `maxPixels` is decoded or written: a decompression
 * bomb on the bus costs a header read.
 */
export async function frameToJpeg(frame: Frame, quality: number, maxPixels: number): Promise<JpegImage> {
  const width = frame.sourceWidth || frame.width;
  const height = frame.sourceHeight || frame.height;
  // Both sizes come from the message: the frame's is what gets decoded, the source's what gets written.
  for (const [what, w, h] of [
    ['frame', frame.width, frame.height],
    ['source frame', width, height],
  ] as const) {
    if (w * h > maxPixels)
      throw new FrameTooLargeError(`${what} is ${w}x${h}; at most ${maxPixels} pixels are kept as evidence`);
  }
  const needsGeometry = Boolean(frame.letterbox) || frame.width !== width || frame.height !== height;
  const pixels = Buffer.from(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.byteLength);
  const frameLimit = { limitInputPixels: Math.max(1, frame.width * frame.height) }; // a JPEG may not claim more than its frame says
  if (frame.pixelFormat === PixelFormat.PIXEL_FORMAT_JPEG) {
    const claimed = await sharp(pixels, { limitInputPixels: false }).metadata(); // the header only, to judge it
    if ((claimed.width ?? 0) * (claimed.height ?? 0) > frameLimit.limitInputPixels) {
      throw new FrameTooLargeError(
        `frame is ${frame.width}x${frame.height} but its JPEG claims ${claimed.width}x${claimed.height}`,
      );
    }
  }
  if (frame.pixelFormat === PixelFormat.PIXEL_FORMAT_JPEG && !needsGeometry) {
    return { data: Buffer.from(pixels), width, height };
  }
  let image =
    frame.pixelFormat === PixelFormat.PIXEL_FORMAT_JPEG
      ? sharp(pixels, frameLimit)
      : sharp(pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  if (frame.letterbox && frame.letterbox.scale > 0) {
    const { scale, padX, padY } = frame.letterbox;
    const left = Math.max(0, Math.round(padX));
    const top = Math.max(0, Math.round(padY));
    image = image.extract({
      left,
      top,
      width: Math.max(1, Math.min(frame.width - left, Math.round(width * scale))),
      height: Math.max(1, Math.min(frame.height - top, Math.round(height * scale))),
    });
  }
  if (needsGeometry) image = image.resize(width, height, { fit: 'fill' });
  if (frame.pixelFormat === PixelFormat.PIXEL_FORMAT_BGR24) image = image.recomb(BGR_TO_RGB);
  const data = await image.jpeg({ quality }).toBuffer();
  return { data, width, height };
}
