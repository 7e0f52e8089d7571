import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PublishedFrameRing, type RingEvictionReason } from './published-frame-ring.js';

/** A ring of 100-byte messages, with every release and eviction recorded. */
function ring(cameraBytes = 300, totalBytes = 500) {
  const evictions: Partial<Record<RingEvictionReason, number>> = {};
  const released: string[] = [];
  const r = new PublishedFrameRing(
    { cameraBytes, totalBytes },
    (reason, n) => (evictions[reason] = (evictions[reason] ?? 0) + n),
  );
  const keep = (camera: string, sequence: number, epoch = 'e1', bytes = 100) =>
    r.keep(camera, epoch, sequence, new Uint8Array(bytes).fill(sequence), () =>
      released.push(`${camera}:${epoch}:${sequence}`),
    );
  return { r, keep, evictions, released };
}

describe('published frame ring', () => {
  it('finds a kept frame by camera, epoch and sequence', () => {
    const { r, keep } = ring();
    for (let s = 0; s < 3; s++) keep('a', s);
    const found = r.lookup('a', 'e1', 1);
    assert.ok(typeof found !== 'string');
    assert.equal(found.message[0], 1);
    found.unpin();
  });

  it('keeps each camera within its byte limit, oldest out first, counted and released', () => {
    const { r, keep, evictions, released } = ring(300, 10_000);
    for (let s = 0; s < 5; s++) keep('a', s);
    assert.equal(r.frames, 3);
    assert.equal(r.bytes, 300);
    assert.deepEqual(evictions, { camera_bytes: 2 });
    assert.deepEqual(released, ['a:e1:0', 'a:e1:1']);
    assert.equal(r.lookup('a', 'e1', 0), 'aged_out');
    assert.equal(r.lookup('a', 'e1', 9), 'not_published');
  });

  it('keeps all cameras within the total, evicting the oldest frame of any camera', () => {
    const { r, keep, evictions, released } = ring(300, 400);
    keep('a', 0);
    keep('b', 0);
    keep('a', 1);
    keep('b', 1);
    keep('b', 2);
    assert.equal(r.bytes, 400);
    assert.deepEqual(evictions, { total_bytes: 1 });
    assert.deepEqual(released, ['a:e1:0']);
    assert.equal(r.lookup('a', 'e1', 0), 'aged_out');
    assert.ok(typeof r.lookup('b', 'e1', 0) !== 'string');
  });

  it('tells aged out, not published and unknown camera apart', () => {
    const { r, keep } = ring();
    keep('a', 5);
    keep('a', 7); // 6 was dropped before publishing
    assert.equal(r.lookup('nobody', 'e1', 5), 'unknown_camera');
    assert.equal(r.lookup('a', 'e1', 6), 'not_published');
    assert.equal(r.lookup('a', 'e1', 8), 'not_published');
    assert.equal(r.lookup('a', 'e1', 4), 'aged_out');
    assert.equal(r.lookup('a', 'other-epoch', 5), 'aged_out');
  });

  it("drops a camera's frames when its stream starts a new epoch", () => {
    const { r, keep, evictions, released } = ring();
    keep('a', 0);
    keep('a', 1);
    keep('a', 0, 'e2');
    assert.deepEqual(evictions, { epoch: 2 });
    assert.deepEqual(released, ['a:e1:0', 'a:e1:1']);
    assert.equal(r.lookup('a', 'e1', 1), 'aged_out');
    assert.equal(r.frames, 1);
  });

  it('refuses a frame larger than a camera may keep, and releases its buffer at once', () => {
    const { r, keep, evictions, released } = ring(300, 500);
    keep('a', 0, 'e1', 301);
    assert.deepEqual(evictions, { too_big: 1 });
    assert.deepEqual(released, ['a:e1:0']);
    assert.equal(r.frames, 0);
  });

  it("holds a pinned frame's buffer past its eviction until it is unpinned", () => {
    const { r, keep, released } = ring(100, 500);
    keep('a', 0);
    const pinned = r.lookup('a', 'e1', 0);
    assert.ok(typeof pinned !== 'string');
    keep('a', 1);
    assert.deepEqual(released, [], 'not released while pinned');
    assert.equal(r.bytes, 100, 'but no longer counted');
    pinned.unpin();
    pinned.unpin();
    assert.deepEqual(released, ['a:e1:0']);
  });

  it('tells its listener of each camera once, a new epoch included', () => {
    const { r, keep } = ring();
    const seen: string[] = [];
    r.onNewCamera = (c) => seen.push(c);
    keep('a', 0);
    keep('a', 1);
    keep('b', 0);
    keep('a', 0, 'e2');
    assert.deepEqual(seen, ['a', 'b']);
    assert.deepEqual(r.cameraIds(), ['a', 'b']);
  });

  it('lends a pool as many buffers as one camera may keep', () => {
    assert.equal(new PublishedFrameRing({ cameraBytes: 1000, totalBytes: 5000 }).framesPerCamera(300), 4);
  });
});
