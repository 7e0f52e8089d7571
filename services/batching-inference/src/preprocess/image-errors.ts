import { InvalidArgumentError, ResourceExhaustedError } from '@va/common';

/** Why an encoded image or a frame's pixels were refused; the `reason` label of va_inference_image_rejections_total. */
export type ImageRejection =
  | 'empty'
  | 'unknown_format'
  | 'malformed_header'
  | 'too_many_pixels'
  | 'request_too_large'
  | 'size_mismatch'
  | 'undecodable';

/** Encoded bytes that are not a decodable image, one too large to decode, or a frame whose pixels do not match its header. */
export class InvalidImageError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly reason: ImageRejection,
    options?: { cause?: unknown },
  ) {
    super(message, undefined, options);
  }
}

/** The service-wide budget of decoded bytes is spent: the caller may try again shortly. */
export class DecodeBudgetError extends ResourceExhaustedError {}
