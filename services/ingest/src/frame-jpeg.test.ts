import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { Frame, PixelFormat } from '@va/proto/va/common/v1/frame';
import { FrameTooLargeError, frameToJpeg } from './frame-jpeg.js';

const MAX = 4096 * 4096;

/** The JPEG with its SOF marker rewritten to claim other dimensions (a decompression bomb). */
function claiming(jpeg: Buffer, width: number, height: number): Buffer {
  const b = Buffer.from(jpeg);
  for (let at = 2; at < b.length; at += 2 + b.readUInt16BE(at + 2)) {
    if (b[at + 1] === 0xc0) {
      b.writeUInt16BE(height, at + 5);
      b.writeUInt16BE(width, at + 7);
      return b;
    }
  }
  throw new Error('no SOF0');
}

/** A 64x48 RGB picture: left half red, right half blue. */
function picture(width = 64, height = 48, bgr = false): Uint8Array {
  const px = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const [r, g, b] = x < width / 2 ? [220, 20, 20] : [20, 20, 220];
      px.set(bgr ? [b, g, r] : [r, g, b], i);
    }
  }
  return px;
}

async function pixelAt(jpeg: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

describe('frame to JPEG in source pixels', () => {
  it('encodes RGB and BGR frames with the colours the right way round', async () => {
    for (const [format, bgr] of [
      [PixelFormat.PIXEL_FORMAT_RGB24, false],
      [PixelFormat.PIXEL_FORMAT_BGR24, true],
    ] as const) {
      const jpeg = await frameToJpeg(
        Frame.fromPartial({
          cameraId: 'c',
          width: 64,
          height: 48,
          sourceWidth: 64,
          sourceHeight: 48,
          pixelFormat: format,
          pixels: picture(64, 48, bgr),
        }),
        90,
        MAX,
      );
      assert.equal(jpeg.width, 64);
      const [r, , b] = await pixelAt(jpeg.data, 8, 24);
      assert.ok(r > 150 && b < 80, `left is red (${format})`);
    }
  });

  it('undoes a letterbox: padding cut off, scaled back to the source size', async () => {
    // Source 64x48 letterboxed into 32x32: scale 0.5, content 32x24, padded 4 px top and bottom.
    const content = await sharp(Buffer.from(picture()), { raw: { width: 64, height: 48, channels: 3 } })
      .resize(32, 24)
      .raw()
      .toBuffer();
    const boxed = await sharp(content, { raw: { width: 32, height: 24, channels: 3 } })
      .extend({ top: 4, bottom: 4, background: { r: 114, g: 114, b: 114 } })
      .raw()
      .toBuffer();
    const jpeg = await frameToJpeg(
      Frame.fromPartial({
        cameraId: 'c',
        width: 32,
        height: 32,
        sourceWidth: 64,
        sourceHeight: 48,
        pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
        pixels: boxed,
        letterbox: { scale: 0.5, padX: 0, padY: 4 },
      }),
      90,
      MAX,
    );
    const meta = await sharp(jpeg.data).metadata();
    assert.deepEqual([meta.width, meta.height], [64, 48]);
    const [r0, g0, b0] = await pixelAt(jpeg.data, 8, 1);
    assert.ok(r0 > 150 && g0 < 90 && b0 < 90, `the top row is picture, not grey padding: ${r0},${g0},${b0}`);
  });

  it('passes a JPEG frame through untouched when no geometry changes', async () => {
    const source = await sharp(Buffer.from(picture()), { raw: { width: 64, height: 48, channels: 3 } })
      .jpeg()
      .toBuffer();
    const jpeg = await frameToJpeg(
      Frame.fromPartial({
        cameraId: 'c',
        width: 64,
        height: 48,
        sourceWidth: 64,
        sourceHeight: 48,
        pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG,
        pixels: source,
      }),
      90,
      MAX,
    );
    assert.ok(jpeg.data.equals(source));
  });

  it('decodes nothing larger than the cap: frame size, source size or a JPEG claiming more than its frame (decompression bombs)', async () => {
    const tooLarge = (message: RegExp) => (err: unknown) =>
      err instanceof FrameTooLargeError && message.test(err.message);
    const raw = (f: Partial<Frame>) =>
      Frame.fromPartial({
        cameraId: 'c',
        width: 64,
        height: 48,
        pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
        pixels: picture(),
        ...f,
      });
    await assert.rejects(
      frameToJpeg(raw({ width: 20_000, height: 15_000 }), 90, MAX),
      tooLarge(/frame is 20000x15000; at most 16777216 pixels/),
    );
    // A tiny frame whose source size would make the resize write 300 megapixels.
    await assert.rejects(
      frameToJpeg(raw({ sourceWidth: 20_000, sourceHeight: 15_000 }), 90, MAX),
      tooLarge(/source frame is 20000x15000/),
    );
    const source = await sharp(Buffer.from(picture()), { raw: { width: 64, height: 48, channels: 3 } })
      .jpeg()
      .toBuffer();
    const bomb = claiming(source, 20_000, 15_000);
    for (const geometry of [{}, { sourceWidth: 128, sourceHeight: 96 }]) {
      await assert.rejects(
        frameToJpeg(
          Frame.fromPartial({
            cameraId: 'c',
            width: 64,
            height: 48,
            pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG,
            pixels: bomb,
            ...geometry,
          }),
          90,
          MAX,
        ),
        tooLarge(/frame is 64x48 but its JPEG claims 20000x15000/),
      );
    }
  });
});
