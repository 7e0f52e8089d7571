import sharp from 'sharp';
import { PixelFormat, type Frame } from '@va/proto/va/common/v1/frame';
import { InvalidImageError } from './image-errors.js';
import { readImageHeader, type ImageHeader } from './image-header.js';

/** Packed 8-bit, three channels, row-major, no row padding. `data` may be a view of a message buffer. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  order: 'RGB' | 'BGR';
}

/** The default cap on one frame's pixels (VA_INFERENCE_MAX_FRAME_PIXELS); the offline API uses it too. */
export const DEFAULT_MAX_FRAME_PIXELS = 4096 * 4096;

/** Bytes of packed RGB an image of this size decodes to. */
export function decodedBytes(size: { width: number; height: number }): number {
  return size.width * size.height * 3;
}

/** Refuses an image whose header claims more pixels than `maxPixels`, before anything is decoded. */
export function assertPixels(size: { width: number; height: number }, maxPixels: number, what: string): void {
  const pixels = size.width * size.height;
  if (pixels > maxPixels) {
    throw new InvalidImageError(
      `${what} is ${size.width}x${size.height} (${pixels} pixels); at most ${maxPixels} pixels are accepted`,
      'too_many_pixels',
    );
  }
}

/** Sets libvips' worker threads (sharp decodes on libuv's pool, off the event loop) and turns its cache off. */
export function configureImageDecoding(threads: number): void {
  sharp.concurrency(threads);
  sharp.cache(false);
}

/**
 * Decodes JPEG, PNG or WebP (EXIF orientation applied) to packed RGB. The header is read first
 * (or given, when the caller already read it) and an image over `maxPixels` is refused before
 * the decoder allocates; libvips gets the same limit, and what it decodes must match the header.
 */
export async function decodeImage(
  bytes: Uint8Array,
  what = 'image',
  maxPixels = DEFAULT_MAX_FRAME_PIXELS,
  header: ImageHeader = readImageHeader(bytes, what),
): Promise<RgbImage> {
  assertPixels(header, maxPixels, what);
  let decoded;
  try {
    decoded = await sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels, pages: 1 })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new InvalidImageError(
      `${what} could not be decoded as ${header.format}: ${(err as Error).message}`,
      'undecodable',
      { cause: err },
    );
  }
  const { data, info } = decoded;
  if (info.channels !== 3) throw new InvalidImageError(`${what} decoded to ${info.channels} channels`, 'undecodable');
  // EXIF orientation may swap the sides; the pixel count must still be what the header said.
  if (info.width * info.height !== header.width * header.height) {
    throw new InvalidImageError(
      `${what} header says ${header.width}x${header.height} but it decoded to ${info.width}x${info.height}`,
      'size_mismatch',
    );
  }
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    order: 'RGB',
  };
}

/** A raw RGB24 or BGR24 frame's pixels as an image, without a copy, after checking size against the cap and the byte length. */
export function rawFrameImage(frame: Frame, maxPixels: number): RgbImage {
  const { width, height, pixels } = frame;
  if (frame.pixelFormat !== PixelFormat.PIXEL_FORMAT_RGB24 && frame.pixelFormat !== PixelFormat.PIXEL_FORMAT_BGR24) {
    throw new InvalidImageError(`frame pixel format ${frame.pixelFormat} is not raw RGB24 or BGR24`, 'unknown_format');
  }
  assertPixels(frame, maxPixels, 'frame');
  const expected = decodedBytes(frame);
  if (pixels.byteLength !== expected) {
    throw new InvalidImageError(
      `frame ${width}x${height} needs ${expected} bytes of packed pixels, got ${pixels.byteLength}`,
      'size_mismatch',
    );
  }
  return { data: pixels, width, height, order: frame.pixelFormat === PixelFormat.PIXEL_FORMAT_RGB24 ? 'RGB' : 'BGR' };
}
