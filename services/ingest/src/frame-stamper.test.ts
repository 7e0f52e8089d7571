import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import { FRAME_HEAD_RESERVE } from './frame-pool.js';
import { FrameStamper } from './frame-stamper.js';
import type { ValidStream } from './stream-spec.js';

function stream(over: Partial<ValidStream> = {}): ValidStream {
  return {
    spec: { cameraId: 'cam-1' },
    width: 0,
    height: 0,
    targetFps: 0,
    letterbox: false,
    pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
    jpegQuality: 80,
    loop: false,
    realtime: false,
    detectEvery: 1,
    motionGate: undefined,
    ...over,
  } as ValidStream;
}

const raw = (width: number, height: number, readAtMs: number) => ({
  buffer: new Uint8Array(FRAME_HEAD_RESERVE + width * height * 3 + 64),
  bytes: width * height * 3,
  readAtMs,
});
const info = (width: number, height: number) => ({ width, height, fps: 25, codec: 'h264' });

describe('frame stamper', () => {
  it('numbers frames on across probes and takes the source size when the stream keeps it', () => {
    const stamper = new FrameStamper(stream(), 'ep-1', () => {});
    assert.deepEqual(stamper.sourceInfo(info(64, 48), 1 << 20), { frameBytes: 64 * 48 * 3 });
    const a = stamper.stamp(raw(64, 48, 1000), () => {});
    const first = a.header(a.raw);
    assert.deepEqual(
      [first.sequence, first.width, first.height, first.sourceWidth, first.streamEpoch, first.captureTsMs],
      [0, 64, 48, 64, 'ep-1', 1000],
    );
    assert.equal(first.skipDetection, false);
    // A reconnect probes again; the sequence keeps counting.
    stamper.sourceInfo(info(64, 48), 1 << 20);
    const b = stamper.stamp(raw(64, 48, 1040), () => {});
    assert.equal(b.header(b.raw).sequence, 1);
    assert.equal(stamper.nextSequence, 2);
  });

  it('refuses a raw frame larger than the bus takes, and keeps the size of a fixed-size stream', () => {
    assert.match(
      String(
        (new FrameStamper(stream(), 'e', () => {}).sourceInfo(info(4000, 3000), 1 << 20) as { failure: string })
          .failure,
      ),
      /larger than NATS max_payload \(1048576\)/,
    );
    assert.deepEqual(
      new FrameStamper(stream({ pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG }), 'e', () => {}).sourceInfo(
        info(4000, 3000),
        1 << 20,
      ),
      { frameBytes: 4000 * 3000 * 3 },
    );
    const fixed = new FrameStamper(stream({ width: 32, height: 32, letterbox: true }), 'e', () => {});
    assert.deepEqual(fixed.sourceInfo(info(64, 32), 1 << 20), { frameBytes: undefined });
    assert.deepEqual(fixed.size, { width: 32, height: 32, sourceWidth: 64, sourceHeight: 32 });
    const f = fixed.stamp(raw(32, 32, 0), () => {});
    assert.deepEqual(f.header(f.raw).letterbox, { scale: 0.5, padX: 0, padY: 8 });
  });
});
