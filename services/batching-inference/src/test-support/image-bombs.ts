import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/**
 * Decompression bombs for tests, made the way real ones are: a tiny valid image whose header is
 * rewritten to claim other dimensions. A solid-colour lossless WebP codes every pixel in zero
 * bits, so its 38 bytes really do decode to width x height pixels.
 */
export async function solidImage(format: 'jpeg' | 'png' | 'webp', width = 16, height = 16): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: { r: 40, g: 160, b: 90 } } });
  return format === 'jpeg'
    ? image.jpeg().toBuffer()
    : format === 'png'
      ? image.png().toBuffer()
      : image.webp({ lossless: true }).toBuffer();
}

/** The same bytes with the header claiming `width` x `height` (JPEG SOF, PNG IHDR with its CRC, WebP VP8L). */
export function claimDimensions(encoded: Buffer, width: number, height: number): Buffer {
  const b = Buffer.from(encoded);
  if (b[0] === 0xff && b[1] === 0xd8) {
    let at = 2;
    while (at < b.length) {
      const marker = b[at + 1] as number;
      if (marker >= 0xc0 && marker <= 0xc2) {
        b.writeUInt16BE(height, at + 5);
        b.writeUInt16BE(width, at + 7);
        return b;
      }
      at += 2 + b.readUInt16BE(at + 2);
    }
    throw new Error('no SOF marker');
  }
  if (b.subarray(12, 16).toString('latin1') === 'IHDR') {
    b.writeUInt32BE(width, 16);
    b.writeUInt32BE(height, 20);
    b.writeUInt32BE(crc32(b.subarray(12, 29)), 29);
    return b;
  }
  if (b.subarray(12, 16).toString('latin1') === 'VP8L') {
    const bits = b.readUInt32LE(21);
    b.writeUInt32LE(((bits & ~0x0fffffff) | (width - 1) | ((height - 1) << 14)) >>> 0, 21);
    return b;
  }
  throw new Error('not a JPEG, PNG or lossless WebP');
}

/** An extended WebP (VP8X) whose canvas claims `width` x `height`, wrapping a small lossless image. */
export async function webpExtendedClaiming(width: number, height: number): Promise<Buffer> {
  const inner = (await solidImage('webp')).subarray(12);
  const vp8x = Buffer.alloc(18);
  vp8x.write('VP8X', 0, 'latin1');
  vp8x.writeUInt32LE(10, 4);
  vp8x.writeUIntLE(width - 1, 12, 3);
  vp8x.writeUIntLE(height - 1, 15, 3);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(4 + vp8x.length + inner.length, 4);
  head.write('WEBP', 8, 'latin1');
  return Buffer.concat([head, vp8x, inner]);
}
