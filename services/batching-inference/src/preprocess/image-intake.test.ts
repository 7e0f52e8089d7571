import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { Frame, PixelFormat } from '@va/proto/va/common/v1/frame';
import { claimDimensions, solidImage } from '../test-support/image-bombs.js';
import { DecodeBudget } from './decode-budget.js';
import { DecodeBudgetError, InvalidImageError, type ImageRejection } from './image-errors.js';
import { ImageIntake, type EncodedImage, type ImageLimits } from './image-intake.js';

const LIMITS: ImageLimits = {
  maxFramePixels: 640 * 480,
  maxCropPixels: 128 * 128,
  maxDecodedBytesPerRequest: 4 * 128 * 128 * 3,
};

function intake(limits = LIMITS, capacity = 8 * 128 * 128 * 3) {
  const rejected: string[] = [];
  const budget = new DecodeBudget(capacity);
  return {
    intake: new ImageIntake(limits, budget, (source, reason) => rejected.push(`${source}:${reason}`)),
    budget,
    rejected,
  };
}

const crop = (bytes: Uint8Array, i = 0): EncodedImage => ({ bytes, what: `crops[${i}]`, kind: 'crop' });
const isImageError = (reason: ImageRejection, message: RegExp) => (err: unknown) =>
  err instanceof InvalidImageError && err.reason === reason && message.test(err.message);

describe('image intake: caps per image, per request and for the service, before decoding', () => {
  it('decodes allowed images and holds their bytes in the budget until released', async () => {
    const { intake: gate, budget } = intake();
    const { images, release } = await gate.decode('embed', [
      crop(await solidImage('png', 128, 64)),
      crop(await solidImage('webp', 32, 32), 1),
    ]);
    assert.deepEqual(
      images.map((i) => [i.width, i.height, i.data.byteLength]),
      [
        [128, 64, 128 * 64 * 3],
        [32, 32, 32 * 32 * 3],
      ],
    );
    assert.equal(budget.inUse, (128 * 64 + 32 * 32) * 3);
    release();
    release();
    assert.equal(budget.inUse, 0, 'released once, however often called');
  });

  it('refuses a bomb crop by its header (INVALID_ARGUMENT, too_many_pixels) and reserves nothing', async () => {
    const { intake: gate, budget, rejected } = intake();
    const bomb = claimDimensions(await solidImage('webp'), 10_000, 10_000);
    await assert.rejects(
      gate.decode('embed', [crop(await solidImage('png')), crop(bomb, 1)]),
      isImageError('too_many_pixels', /crops\[1\] is 10000x10000 \(100000000 pixels\); at most 16384 pixels/),
    );
    assert.equal(budget.inUse, 0);
    assert.deepEqual(rejected, ['embed:too_many_pixels']);
  });

  it('applies the frame cap to frames and the crop cap to crops', async () => {
    const { intake: gate } = intake();
    const big = await solidImage('jpeg', 300, 200);
    await assert.rejects(gate.decode('embed', [crop(big)]), isImageError('too_many_pixels', /crops\[0\] is 300x200/));
    const { images, release } = await gate.decode('detect', [{ bytes: big, what: 'image', kind: 'frame' }]);
    assert.equal(images[0]?.width, 300);
    release();
  });

  it('refuses a request whose allowed images add up to more than the per-request cap', async () => {
    const { intake: gate, budget, rejected } = intake();
    const allowed = await solidImage('png', 128, 128);
    await assert.rejects(
      gate.decode(
        'embed',
        [0, 1, 2, 3, 4].map((i) => crop(allowed, i)),
      ),
      isImageError(
        'request_too_large',
        /5 images decode to 240\.0 KiB of pixels; one request may decode at most 192\.0 KiB, so send fewer or smaller/,
      ),
    );
    assert.equal(budget.inUse, 0);
    assert.deepEqual(rejected, ['embed:request_too_large']);
  });

  it('answers RESOURCE_EXHAUSTED when the service-wide budget is spent, and decodes again once it is returned', async () => {
    const { intake: gate, rejected } = intake(LIMITS, 4 * 128 * 128 * 3);
    const allowed = await solidImage('png', 128, 128);
    const held = await gate.decode(
      'embed',
      [0, 1, 2].map((i) => crop(allowed, i)),
    );
    await assert.rejects(
      gate.decode('embed', [crop(allowed), crop(allowed, 1)]),
      (err: unknown) =>
        err instanceof DecodeBudgetError &&
        err.code === 'RESOURCE_EXHAUSTED' &&
        /the request's 2 images would decode to 96\.0 KiB, but 144\.0 KiB of the service's 192\.0 KiB decoding budget are in use; try again shortly/.test(
          err.message,
        ),
    );
    assert.deepEqual(rejected, ['embed:decode_budget']);
    held.release();
    (await gate.decode('embed', [crop(allowed), crop(allowed, 1)])).release();
  });

  it('gives the budget back when a decode fails after the header was accepted', async () => {
    const { intake: gate, budget, rejected } = intake();
    const png = await solidImage('png', 64, 64);
    const broken = Buffer.concat([png.subarray(0, 33), Buffer.alloc(64, 7)]);
    await assert.rejects(
      gate.decode('embed', [crop(png), crop(broken, 1)]),
      isImageError('undecodable', /crops\[1\] could not be decoded as png/),
    );
    assert.equal(budget.inUse, 0);
    assert.deepEqual(rejected, ['embed:undecodable']);
  });

  it('checks bus frames: raw sizes against the cap and the bytes, JPEG headers against the frame before decoding', async () => {
    const { intake: gate, budget, rejected } = intake();
    const frame = (f: Partial<Frame>) =>
      Frame.fromPartial({ cameraId: 'cam-1', pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24, ...f });

    const raw = await gate.frame(frame({ width: 4, height: 2, pixels: new Uint8Array(24) }));
    assert.equal(raw.image.width, 4);
    assert.equal(budget.inUse, 0, 'raw pixels are already in memory: no decode, no budget');
    await assert.rejects(
      gate.frame(frame({ width: 20_000, height: 15_000, pixels: new Uint8Array(24) })),
      isImageError('too_many_pixels', /frame is 20000x15000/),
    );
    await assert.rejects(
      gate.frame(frame({ width: 4, height: 2, pixels: new Uint8Array(23) })),
      isImageError('size_mismatch', /needs 24 bytes/),
    );

    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: 'gray' } })
      .jpeg()
      .toBuffer();
    const decoded = await gate.frame(
      frame({ width: 64, height: 48, pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG, pixels: jpeg }),
    );
    assert.equal(budget.inUse, 64 * 48 * 3);
    decoded.release();
    await assert.rejects(
      gate.frame(frame({ width: 64, height: 40, pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG, pixels: jpeg })),
      isImageError('size_mismatch', /header says 64x40 but its JPEG is 64x48/),
    );
    const bomb = claimDimensions(jpeg, 20_000, 15_000);
    await assert.rejects(
      gate.frame(frame({ width: 20_000, height: 15_000, pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG, pixels: bomb })),
      isImageError('too_many_pixels', /frame JPEG is 20000x15000/),
    );
    await assert.rejects(
      gate.frame(
        frame({
          width: 64,
          height: 48,
          pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG,
          pixels: await solidImage('png', 64, 48),
        }),
      ),
      isImageError('unknown_format', /frame JPEG is a png file/),
    );
    assert.equal(budget.inUse, 0);
    assert.deepEqual(rejected, [
      'frame:too_many_pixels',
      'frame:size_mismatch',
      'frame:size_mismatch',
      'frame:too_many_pixels',
      'frame:unknown_format',
    ]);
  });
});
