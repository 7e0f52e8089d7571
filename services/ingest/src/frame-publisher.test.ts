import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Frame, PixelFormat } from '@va/proto/va/common/v1/frame';
import { BusGate, type BusConnection } from './bus-gate.js';
import { FRAME_HEAD_RESERVE, FramePool } from './frame-pool.js';
import { FramePublisher, type DropReason, type PendingFrame } from './frame-publisher.js';
import { PublishedFrameRing } from './published-frame-ring.js';

/** A bus whose flushes complete only when the test says so. */
function fakeBus() {
  const sent: Array<{ subject: string; frame: Frame }> = [];
  const flushes: Array<() => void> = [];
  let connected = true;
  const conn: BusConnection = {
    publish: (subject, data) => sent.push({ subject, frame: Frame.decode(data.slice()) }),
    flush: () => new Promise<void>((resolve) => flushes.push(resolve)),
    isConnected: () => connected,
  };
  return {
    conn,
    sent,
    ackAll: async () => {
      flushes.splice(0).forEach((f) => f());
      await new Promise((r) => setImmediate(r));
    },
    setConnected: (c: boolean) => (connected = c),
  };
}

function harness(gate: BusGate, subject = 'va.frames.cam', ring?: PublishedFrameRing) {
  const pool = new FramePool(12, 4, ring?.framesPerCamera(12) ?? 0);
  const drops: DropReason[] = [];
  const keep = ring && {
    keep: (h: { cameraId: string; streamEpoch: string; sequence: number }, message: Uint8Array, release: () => void) =>
      ring.keep(h.cameraId, h.streamEpoch, h.sequence, message, release),
  };
  const publisher = new FramePublisher({
    subject,
    gate,
    pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
    jpegQuality: 80,
    maxFrameAgeMs: 60_000,
    onPublished: () => {},
    onDropped: (r) => drops.push(r),
    onError: () => {},
    ...keep,
  });
  let seq = 0;
  const offer = () => {
    const buffer = pool.acquire();
    assert.ok(buffer, 'a pooled buffer is free');
    const sequence = seq++;
    buffer.fill(sequence, FRAME_HEAD_RESERVE, FRAME_HEAD_RESERVE + 12);
    const frame: PendingFrame = {
      sequence,
      raw: { buffer, bytes: 12, readAtMs: Date.now() },
      width: 2,
      height: 2,
      release: () => pool.release(buffer),
      header: () => ({
        cameraId: 'cam',
        sequence,
        captureTsMs: 1,
        sourceWidth: 2,
        sourceHeight: 2,
        width: 2,
        height: 2,
        pixelFormat: 1,
        letterbox: undefined,
        stats: undefined,
        streamEpoch: 'e',
        skipDetection: false,
      }),
    };
    publisher.offer(frame);
  };
  return { publisher, pool, drops, offer };
}

describe('frame publisher and bus gate', () => {
  it('publishes at once while the bus keeps up', async () => {
    const bus = fakeBus();
    const gate = new BusGate(bus.conn, 1000);
    const h = harness(gate);
    for (let i = 0; i < 5; i++) {
      h.offer();
      await bus.ackAll();
    }
    assert.deepEqual(
      bus.sent.map((s) => s.frame.sequence),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(bus.sent[2]?.frame.pixels, new Uint8Array(12).fill(2));
    assert.equal(h.pool.available, 4, 'every buffer came back');
  });

  it('holds the newest frame while the bus window is full and drops the ones it replaces', async () => {
    const bus = fakeBus();
    const gate = new BusGate(bus.conn, 20); // one frame (about 40 bytes) fills the window
    const h = harness(gate);
    h.offer(); // published, window now full
    for (let i = 0; i < 10; i++) h.offer(); // 1..10: each replaces the held one
    assert.equal(bus.sent.length, 1);
    assert.equal(h.publisher.depth, 1);
    assert.deepEqual(h.drops, Array(9).fill('bus_backpressure'));
    assert.equal(h.pool.available, 2, 'bounded: one buffer held, one being released');
    await bus.ackAll();
    assert.deepEqual(
      bus.sent.map((s) => s.frame.sequence),
      [0, 10],
      'the newest frame won',
    );
    assert.deepEqual(
      bus.sent.map((s) => s.frame.previousSequence),
      [undefined, 0],
      'the survivor names the frame published before it, so downstream knows 1..9 were shed and need not wait for them',
    );
  });

  it('drops while disconnected instead of letting the client buffer', () => {
    const bus = fakeBus();
    const gate = new BusGate(bus.conn, 1000);
    const h = harness(gate);
    bus.setConnected(false);
    h.offer();
    h.offer();
    assert.equal(bus.sent.length, 0);
    assert.deepEqual(h.drops, ['disconnected', 'disconnected']);
    assert.equal(h.pool.available, 4);
  });

  it('wakes waiting streams in arrival order so none starves', async () => {
    const bus = fakeBus();
    const gate = new BusGate(bus.conn, 20);
    const a = harness(gate, 'va.frames.a');
    const b = harness(gate, 'va.frames.b');
    const c = harness(gate, 'va.frames.c');
    a.offer(); // fills the window
    for (let round = 0; round < 6; round++) {
      a.offer();
      b.offer();
      c.offer();
      await bus.ackAll();
    }
    const per = (s: string) => bus.sent.filter((m) => m.subject === s).length;
    assert.ok(
      Math.abs(per('va.frames.a') - per('va.frames.b')) <= 2 && Math.abs(per('va.frames.b') - per('va.frames.c')) <= 2,
      bus.sent.map((m) => m.subject).join(' '),
    );
  });

  it('hands published frames to the ring in their pooled buffers (no copy) and gets them back when evicted', async () => {
    const bus = fakeBus();
    const gate = new BusGate(bus.conn, 1000);
    const ring = new PublishedFrameRing({ cameraBytes: 180, totalBytes: 10_000 }); // a few messages of about 50 bytes
    const h = harness(gate, 'va.frames.cam', ring);
    for (let i = 0; i < 8; i++) {
      h.offer();
      await bus.ackAll();
    }
    assert.equal(h.drops.length, 0, `no frame went without a buffer: ${h.drops.join(', ')}`);
    assert.ok(
      ring.frames >= 2 && ring.frames < 8 && ring.bytes <= 180,
      `${ring.frames} frames, ${ring.bytes} bytes kept`,
    );
    const kept = ring.lookup('cam', 'e', 7);
    assert.ok(typeof kept !== 'string');
    assert.deepEqual(Frame.decode(kept.message), bus.sent[7]?.frame, 'the ring holds the message as it was published');
    assert.equal(kept.message.buffer.byteLength, h.pool.bufferBytes, 'a view of the pooled buffer, not a copy');
    kept.unpin();
    assert.equal(ring.lookup('cam', 'e', 0), 'aged_out');
    ring.clear();
    assert.equal(h.pool.available, 4, 'every buffer came back to the pool once the ring let go');
  });
});
