import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { claimDimensions, solidImage, webpExtendedClaiming } from '../test-support/image-bombs.js';
import { InvalidImageError } from './image-errors.js';
import { readImageHeader } from './image-header.js';

const rejects = (bytes: Uint8Array, reason: InvalidImageError['reason'], message: RegExp) =>
  assert.throws(
    () => readImageHeader(bytes, 'crops[0]'),
    (err: unknown) => err instanceof InvalidImageError && err.reason === reason && message.test(err.message),
  );

describe('image header: dimensions before decoding', () => {
  it('reads the size of real JPEG (baseline and progressive), PNG and WebP (lossy, lossless, with alpha) files', async () => {
    const base = sharp({ create: { width: 37, height: 23, channels: 3, background: { r: 200, g: 10, b: 10 } } });
    const cases: Array<[string, Buffer, string]> = [
      ['baseline jpeg', await base.clone().jpeg().toBuffer(), 'jpeg'],
      ['progressive jpeg', await base.clone().jpeg({ progressive: true }).toBuffer(), 'jpeg'],
      ['png', await base.clone().png().toBuffer(), 'png'],
      ['lossy webp', await base.clone().webp().toBuffer(), 'webp'],
      ['lossless webp', await base.clone().webp({ lossless: true }).toBuffer(), 'webp'],
      ['webp with alpha', await base.clone().ensureAlpha(0.5).webp().toBuffer(), 'webp'],
    ];
    for (const [name, bytes, format] of cases)
      assert.deepEqual(readImageHeader(bytes), { format, width: 37, height: 23 }, name);
  });

  it('reads JPEG, PNG and WebP files written by ffmpeg', () => {
    const dir = mkdtempSync(join(tmpdir(), 'va-image-header-'));
    try {
      for (const [file, format] of [
        ['a.jpg', 'jpeg'],
        ['a.png', 'png'],
        ['a.webp', 'webp'],
      ] as const) {
        execFileSync('ffmpeg', [
          '-v',
          'error',
          '-f',
          'lavfi',
          '-i',
          'color=c=blue:s=50x30',
          '-frames:v',
          '1',
          join(dir, file),
        ]);
        assert.deepEqual(readImageHeader(readFileSync(join(dir, file))), { format, width: 50, height: 30 }, file);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips EXIF and other segments in front of the JPEG frame header', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 40, channels: 3, background: 'white' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    assert.deepEqual(readImageHeader(jpeg), { format: 'jpeg', width: 64, height: 40 });
  });

  it('sees the dimensions a bomb claims, as the decoder would: a 38-byte lossless WebP of 10000x10000, PNG, JPEG and VP8X of 20000x15000', async () => {
    const webp = claimDimensions(await solidImage('webp'), 10_000, 10_000);
    assert.ok(webp.length <= 64, `the lossless WebP bomb is ${webp.length} bytes`);
    const bombs: Array<[string, Buffer, number, number]> = [
      ['webp', webp, 10_000, 10_000],
      ['png', claimDimensions(await solidImage('png'), 20_000, 15_000), 20_000, 15_000],
      ['jpeg', claimDimensions(await solidImage('jpeg'), 20_000, 15_000), 20_000, 15_000],
    ];
    // libwebp refuses a VP8X canvas that differs from its bitstream; the parser only needs the claim.
    assert.deepEqual(readImageHeader(await webpExtendedClaiming(20_000, 15_000)), {
      format: 'webp',
      width: 20_000,
      height: 15_000,
    });
    for (const [format, bytes, width, height] of bombs) {
      assert.deepEqual(readImageHeader(bytes), { format, width, height });
      const meta = await sharp(bytes, { limitInputPixels: false }).metadata(); // the header only
      assert.deepEqual([meta.width, meta.height], [width, height], `libvips reads the same ${format} header`);
    }
  });

  it('refuses empty input, unknown formats and cut or empty headers with a clear reason', async () => {
    rejects(new Uint8Array(), 'empty', /crops\[0\] is empty/);
    rejects(new TextEncoder().encode('this is not a picture'), 'unknown_format', /not a JPEG, PNG or WebP/);
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } })
      .gif()
      .toBuffer();
    rejects(gif, 'unknown_format', /not a JPEG, PNG or WebP/);
    const jpeg = await solidImage('jpeg');
    const png = await solidImage('png');
    const webp = await solidImage('webp');
    rejects(jpeg.subarray(0, 20), 'malformed_header', /jpeg file whose frame header/);
    rejects(png.subarray(0, 20), 'malformed_header', /png file whose IHDR/);
    rejects(webp.subarray(0, 22), 'malformed_header', /webp file whose VP8L header/);
    rejects(claimDimensions(png, 0, 5), 'malformed_header', /claims 0x5 pixels/);
    const riffOther = Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00WEBPABCD', 'latin1'), Buffer.alloc(8)]);
    rejects(riffOther, 'malformed_header', /VP8, VP8L or VP8X chunk/);
  });
});
