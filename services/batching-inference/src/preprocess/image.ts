import sharp from 'sharp';
import { InvalidArgumentError } from '@va/common';
import { PixelFormat, type Frame } from '@va/common/gen/va/common/v1/frame';

/** Packed 8-bit, three channels, row-major, no row padding. `data` may be a view of a message buffer. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  order: 'RGB' | 'BGR';
}

/** Encoded bytes that are not a decodable image, or a frame whose pixels do not match its header. */
export class InvalidImageError extends InvalidArgumentError {}

/** Refuse decompression bombs: 100 megapixels is far beyond any camera we serve. */
const MAX_PIXELS = 100_000_000;

/** Sets libvips' worker threads (sharp decodes on libuv's pool, off the event loop) and turns its cache off. */
export function configureImageDecoding(threads: number): void {
  sharp.concurrency(threads);
  sharp.cache(false);
}

/** Decodes JPEG, PNG or WebP (EXIF orientation applied) to packed RGB. */
export async function decodeImage(bytes: Uint8Array, what = 'image'): Promise<RgbImage> {
  if (bytes.byteLength === 0) throw new InvalidImageError(`${what} is empty`);
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: MAX_PIXELS })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, order: 'RGB' };
  } catch (err) {
    throw new InvalidImageError(`${what} could not be decoded as JPEG, PNG or WebP: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/** The frame's pixels as an image: raw formats are wrapped without a copy, JPEG is decoded. */
export async function frameImage(frame: Frame): Promise<RgbImage> {
  const { width, height, pixels } = frame;
  switch (frame.pixelFormat) {
    case PixelFormat.PIXEL_FORMAT_RGB24:
    case PixelFormat.PIXEL_FORMAT_BGR24: {
      const expected = width * height * 3;
      if (pixels.byteLength !== expected) {
        throw new InvalidImageError(`frame ${width}x${height} needs ${expected} bytes of packed pixels, got ${pixels.byteLength}`);
      }
      return { data: pixels, width, height, order: frame.pixelFormat === PixelFormat.PIXEL_FORMAT_RGB24 ? 'RGB' : 'BGR' };
    }
    case PixelFormat.PIXEL_FORMAT_JPEG: {
      const image = await decodeImage(pixels, 'frame JPEG');
      if (image.width !== width || image.height !== height) {
        throw new InvalidImageError(`frame header says ${width}x${height} but its JPEG is ${image.width}x${image.height}`);
      }
      return image;
    }
    default:
      throw new InvalidImageError(`frame pixel format ${frame.pixelFormat} is not supported (RGB24, BGR24 or JPEG)`);
  }
}
