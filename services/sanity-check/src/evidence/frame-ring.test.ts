import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Frame, PixelFormat } from '@va/proto/va/common/v1/frame';
import { FrameRing, type FrameDropReason } from './frame-ring.js';

const frame = (camera: string, sequence: number, bytes = 100, o: Partial<Frame> = {}) =>
  Frame.fromPartial({ cameraId: camera, sequence, captureTsMs: 1000 + sequence, width: 10, height: 10, pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24, pixels: new Uint8Array(bytes), streamEpoch: 'e', ...o });

function ring(perCamera: number, maxBytes: number) {
  const drops: Partial<Record<FrameDropReason, number>> = {};
  const r = new FrameRing({ perCamera, maxBytes }, (reason: FrameDropReason, n: number) => (drops[reason] = (drops[reason] ?? 0) + n));
  return { r, drops };
}

describe('frame ring', () => {
  it('keeps the newest frames per camera and counts the ones pushed out', () => {
    const { r, drops } = ring(3, 1 << 20);
    for (let s = 0; s < 10; s++) r.put(frame('a', s));
    r.put(frame('b', 0));
    assert.equal(r.get('a', 'e', 6), undefined);
    assert.equal(r.get('a', 'e', 9)?.sequence, 9);
    assert.equal(r.get('b', 'e', 0)?.cameraId, 'b');
    assert.equal(r.frames, 4);
    assert.equal(r.bytes, 400);
    assert.equal(drops.evicted, 7);
    assert.deepEqual(r.newest('a'), { epoch: 'e', sequence: 9 });
  });

  it('holds the byte budget over all cameras by dropping the oldest frame anywhere', () => {
    const { r, drops } = ring(10, 1000);
    for (let s = 0; s < 4; s++) r.put(frame('a', s, 200));
    r.put(frame('b', 10, 300)); // captured later than a's frames
    assert.ok(r.bytes <= 1000);
    assert.equal(r.get('a', 'e', 0), undefined);
    assert.equal(r.get('b', 'e', 10)?.sequence, 10);
    assert.equal(drops.evicted, 1);
  });

  it('refuses out-of-order, oversized and undecodable frames, and forgets a camera whose stream restarted', () => {
    const { r, drops } = ring(5, 1000);
    r.put(frame('a', 5));
    assert.equal(r.put(frame('a', 4)), false);
    assert.equal(r.put(frame('a', 6, 5000)), false);
    assert.equal(r.put(frame('a', 7, 10, { pixelFormat: PixelFormat.PIXEL_FORMAT_UNSPECIFIED })), false);
    assert.deepEqual({ ...drops }, { out_of_order: 1, too_big: 1, unsupported_format: 1 });
    r.put(frame('a', 0, 100, { streamEpoch: 'e2' }));
    assert.equal(r.get('a', 'e', 5), undefined);
    assert.equal(r.get('a', 'e2', 0)?.sequence, 0);
    assert.equal(drops.evicted, 1);
  });
});
