import { InvalidImageError } from './image-errors.js';

export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** What an encoded image claims in its header, read without decoding a pixel. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * Reads the format and dimensions of a JPEG (SOFn marker), PNG (IHDR) or WebP (VP8, VP8L or
 * VP8X chunk) from its first bytes, so a decompression bomb is refused before the decoder
 * allocates anything. Anything else, or a header that is cut short or claims no pixels, is an
 * InvalidImageError; the decoder still has the last word on the rest of the file.
 */
export function readImageHeader(bytes: Uint8Array, what = 'image'): ImageHeader {
  if (bytes.byteLength === 0) throw new InvalidImageError(`${what} is empty`, 'empty');
  const header = startsWith(bytes, JPEG_SOI)
    ? jpegHeader(bytes, what)
    : startsWith(bytes, PNG_SIGNATURE)
      ? pngHeader(bytes, what)
      : isWebp(bytes)
        ? webpHeader(bytes, what)
        : undefined;
  if (!header) throw new InvalidImageError(`${what} is not a JPEG, PNG or WebP file`, 'unknown_format');
  if (header.width < 1 || header.height < 1) {
    throw new InvalidImageError(
      `${what} (${header.format}) header claims ${header.width}x${header.height} pixels`,
      'malformed_header',
    );
  }
  return header;
}

const JPEG_SOI = [0xff, 0xd8, 0xff];
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return bytes.byteLength >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

function ascii(bytes: Uint8Array, from: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(from, from + length));
}

function isWebp(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP';
}

function truncated(what: string, format: ImageFormat, part: string): InvalidImageError {
  return new InvalidImageError(`${what} is a ${format} file whose ${part} is missing or cut short`, 'malformed_header');
}

/** Start-of-frame markers (SOF0-SOF15 but DHT, JPG and DAC) carry the frame's height and width. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegHeader(bytes: Uint8Array, what: string): ImageHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 1 < bytes.byteLength) {
    if (bytes[at] !== 0xff)
      throw new InvalidImageError(`${what} is a jpeg file with a broken marker at byte ${at}`, 'malformed_header');
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    at += 2;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9 || marker === 0xda) break; // end of image or start of scan before any frame header
    if (at + 2 > bytes.byteLength) break;
    const length = view.getUint16(at);
    if (length < 2)
      throw new InvalidImageError(`${what} is a jpeg file with a segment of length ${length}`, 'malformed_header');
    if (isStartOfFrame(marker)) {
      if (length < 8 || at + 7 > bytes.byteLength) break;
      return { format: 'jpeg', height: view.getUint16(at + 3), width: view.getUint16(at + 5) };
    }
    at += length;
  }
  throw truncated(what, 'jpeg', 'frame header (SOF marker)');
}

function pngHeader(bytes: Uint8Array, what: string): ImageHeader {
  if (bytes.byteLength < 24 || ascii(bytes, 12, 4) !== 'IHDR') throw truncated(what, 'png', 'IHDR chunk');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { format: 'png', width: view.getUint32(16), height: view.getUint32(20) };
}

function webpHeader(bytes: Uint8Array, what: string): ImageHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunk = bytes.byteLength >= 16 ? ascii(bytes, 12, 4) : '';
  const data = 20;
  switch (chunk) {
    case 'VP8 ': {
      // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height (2 bits of scale each).
      if (
        bytes.byteLength < data + 10 ||
        bytes[data + 3] !== 0x9d ||
        bytes[data + 4] !== 0x01 ||
        bytes[data + 5] !== 0x2a
      )
        throw truncated(what, 'webp', 'VP8 frame header');
      return {
        format: 'webp',
        width: view.getUint16(data + 6, true) & 0x3fff,
        height: view.getUint16(data + 8, true) & 0x3fff,
      };
    }
    case 'VP8L': {
      // Signature 0x2f, then width - 1 and height - 1 in 14 bits each.
      if (bytes.byteLength < data + 5 || bytes[data] !== 0x2f) throw truncated(what, 'webp', 'VP8L header');
      const bits = view.getUint32(data + 1, true);
      return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case 'VP8X': {
      // Flags (1 byte), reserved (3), canvas width - 1 and height - 1 in 24 bits each.
      if (bytes.byteLength < data + 10) throw truncated(what, 'webp', 'VP8X header');
      const uint24 = (i: number) =>
        (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16);
      return { format: 'webp', width: uint24(data + 4) + 1, height: uint24(data + 7) + 1 };
    }
    default:
      throw truncated(what, 'webp', 'VP8, VP8L or VP8X chunk');
  }
}
