import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Frame, FrameStats, PixelFormat } from '@va/proto/va/common/v1/frame';
import { computeFrameStats } from './frame-stats.js';
import { encodeFrame, encodeFrameAround, type FrameHeader } from './frame-encoder.js';
import { FRAME_HEAD_RESERVE, FramePool } from './frame-pool.js';

function header(over: Partial<FrameHeader> = {}): FrameHeader {
  return {
    cameraId: 'cam-1',
    sequence: 42,
    captureTsMs: 1_700_000_000_123,
    sourceWidth: 768,
    sourceHeight: 432,
    width: 416,
    height: 416,
    pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
    letterbox: { scale: 0.5416666865348816, padX: 0, padY: 91 },
    stats: FrameStats.fromPartial({ meanLuma: 101.25, lumaStddev: 33.5, thumbHash: 0x1f_ffff_ffff_ffff }),
    publishTsMs: 1_700_000_000_130,
    streamEpoch: 'lq3k2x-ab12cd',
    skipDetection: true,
    previousSequence: 40,
    ...over,
  };
}

function reference(h: FrameHeader, pixels: Uint8Array): Uint8Array {
  return Frame.encode({ ...h, pixels }).finish();
}

describe('hand-rolled Frame encoder', () => {
  const pixels = new Uint8Array(416 * 416 * 3).map((_, i) => (i * 7) & 0xff);

  it('is byte-equal to the generated encoder for a full frame', () => {
    assert.deepEqual(encodeFrame(header(), pixels), reference(header(), pixels));
  });

  it('is byte-equal when fields take their defaults (omitted) or edge values', () => {
    const cases: Array<Partial<FrameHeader>> = [
      { sequence: 0, captureTsMs: 0, letterbox: undefined },
      { stats: FrameStats.fromPartial({ meanLuma: 0, lumaStddev: 0, thumbHash: 0 }) },
      { letterbox: { scale: 1, padX: 0, padY: 0 }, stats: undefined, streamEpoch: '' },
      { sequence: Number.MAX_SAFE_INTEGER, captureTsMs: 2 ** 40 + 3, cameraId: 'x'.repeat(64) },
      { pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG, width: 0, height: 0, sourceWidth: 3840, sourceHeight: 2160 },
      { stats: FrameStats.fromPartial({ meanLuma: Number.NaN, lumaStddev: 1e-9, thumbHash: 1 }) },
      { skipDetection: false },
      { previousSequence: undefined },
      { previousSequence: 0 },
      // The statistics as ingest computes them now: picture-health arrays and the 1 KiB thumbnail fit the tail.
      { stats: computeFrameStats(pixels, 0, 416, 416, false) },
    ];
    for (const c of cases)
      assert.deepEqual(encodeFrame(header(c), pixels), reference(header(c), pixels), JSON.stringify(c));
    assert.deepEqual(encodeFrame(header(), new Uint8Array(0)), reference(header(), new Uint8Array(0)));
  });

  it('writes around pixels in a pooled buffer without moving them, and decodes back', () => {
    const pool = new FramePool(pixels.byteLength, 1);
    const buf = pool.acquire();
    assert.ok(buf);
    buf.set(pixels, FRAME_HEAD_RESERVE);
    const message = encodeFrameAround(buf, FRAME_HEAD_RESERVE, pixels.byteLength, header());
    assert.equal(message.buffer, buf.buffer, 'the message is a view of the pooled buffer');
    assert.deepEqual(message, reference(header(), pixels));
    const decoded = Frame.decode(message);
    assert.equal(decoded.sequence, 42);
    assert.equal(decoded.stats?.thumbHash, 0x1f_ffff_ffff_ffff);
    assert.deepEqual(decoded.pixels, pixels);
  });

  it('refuses values it cannot encode instead of writing garbage', () => {
    assert.throws(() => encodeFrame(header({ sequence: -1 }), pixels), RangeError);
  });
});
