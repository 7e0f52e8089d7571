import { PixelFormat, type Frame } from '@va/proto/va/common/v1/frame';
import { formatBytes, type DecodeBudget } from './decode-budget.js';
import { DecodeBudgetError, InvalidImageError, type ImageRejection } from './image-errors.js';
import { readImageHeader, type ImageHeader } from './image-header.js';
import { assertPixels, decodedBytes, decodeImage, rawFrameImage, type RgbImage } from './image.js';

export interface ImageLimits {
  /** Most pixels of a frame: Detect's image, Embed's source_image, a frame from the bus. */
  maxFramePixels: number;
  /** Most pixels of one of Embed's crops. */
  maxCropPixels: number;
  /** Most decoded RGB bytes of all the images of one request together. */
  maxDecodedBytesPerRequest: number;
}

export interface EncodedImage {
  bytes: Uint8Array;
  /** How the request names it, for messages: "image", "crops[3]". */
  what: string;
  kind: 'frame' | 'crop';
  /** What the header must also satisfy (a bus frame's JPEG matches its message's size); throws InvalidImageError. */
  check?(header: ImageHeader): void;
}

/** Who sent the images: the `source` label of va_inference_image_rejections_total. */
export type ImageSource = 'detect' | 'embed' | 'frame';

/** Decoded images and the share of the decoding budget they hold; `release` once their tensors are written. */
export interface DecodedImages {
  images: RgbImage[];
  release(): void;
}

/**
 * Where encoded images enter the service. Every header is read and checked against the
 * per-image caps and the request's total before anything is decoded, then the request's
 * decoded bytes are reserved from the service-wide budget, then the images are decoded. Bad or
 * oversized input is INVALID_ARGUMENT, a spent budget RESOURCE_EXHAUSTED; both are counted.
 */
export class ImageIntake {
  constructor(
    readonly limits: ImageLimits,
    private readonly budget: DecodeBudget,
    private readonly onReject: (source: ImageSource, reason: ImageRejection | 'decode_budget') => void,
  ) {}

  async decode(source: ImageSource, encoded: EncodedImage[]): Promise<DecodedImages> {
    return this.counted(source, async () => {
      const headers = encoded.map((e) => {
        const header = readImageHeader(e.bytes, e.what);
        e.check?.(header);
        assertPixels(header, this.maxPixels(e), e.what);
        return header;
      });
      const total = headers.reduce((sum, h) => sum + decodedBytes(h), 0);
      const perRequest = this.limits.maxDecodedBytesPerRequest;
      if (total > perRequest) {
        throw new InvalidImageError(
          `the request's ${encoded.length} images decode to ${formatBytes(total)} of pixels; one request may decode at most ${formatBytes(perRequest)}, so send fewer or smaller images per call`,
          'request_too_large',
        );
      }
      const release = this.budget.acquire(
        total,
        encoded.length === 1 ? (encoded[0] as EncodedImage).what : `the request's ${encoded.length} images`,
      );
      try {
        const images: RgbImage[] = [];
        for (const [i, e] of encoded.entries())
          images.push(await decodeImage(e.bytes, e.what, this.maxPixels(e), headers[i]));
        return { images, release };
      } catch (err) {
        release();
        throw err;
      }
    });
  }

  /** A bus frame's pixels: raw frames are wrapped without a copy (and hold no budget), JPEG is checked and decoded like a request's image. */
  async frame(frame: Frame): Promise<{ image: RgbImage; release(): void }> {
    if (frame.pixelFormat !== PixelFormat.PIXEL_FORMAT_JPEG) {
      const image = await this.counted('frame', async () => rawFrameImage(frame, this.limits.maxFramePixels));
      return { image, release: () => {} };
    }
    const what = 'frame JPEG';
    const check = (header: ImageHeader) => {
      if (header.format !== 'jpeg') throw new InvalidImageError(`${what} is a ${header.format} file`, 'unknown_format');
      if (header.width !== frame.width || header.height !== frame.height) {
        throw new InvalidImageError(
          `frame header says ${frame.width}x${frame.height} but its JPEG is ${header.width}x${header.height}`,
          'size_mismatch',
        );
      }
    };
    const { images, release } = await this.decode('frame', [{ bytes: frame.pixels, what, kind: 'frame', check }]);
    return { image: images[0] as RgbImage, release };
  }

  private maxPixels(e: EncodedImage): number {
    return e.kind === 'frame' ? this.limits.maxFramePixels : this.limits.maxCropPixels;
  }

  private async counted<T>(source: ImageSource, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof InvalidImageError) this.onReject(source, err.reason);
      else if (err instanceof DecodeBudgetError) this.onReject(source, 'decode_budget');
      throw err;
    }
  }
}
