import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameAdmission, type AdmissionOptions, type DropReason } from './frame-admission.js';

interface F {
  cameraId: string;
  captureTsMs: number;
  seq: number;
}

function setup(options: Partial<AdmissionOptions> = {}, now = () => 1_000) {
  const started: F[] = [];
  const finishers: Array<() => void> = [];
  const dropped: Array<[number, DropReason]> = [];
  const admission = new FrameAdmission<F>(
    { perCameraQueue: 1, perCameraInFlight: 1, maxFrameAgeMs: 0, maxPending: 100, maxInFlight: 100, ...options },
    (f) => {
      started.push(f);
      return new Promise<void>((resolve) => finishers.push(resolve));
    },
    (f, reason) => dropped.push([f.seq, reason]),
    () => {},
    now,
  );
  const frame = (seq: number, cameraId = 'a', captureTsMs = 1_000): F => ({ cameraId, captureTsMs, seq });
  const finish = async () => {
    finishers.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { admission, started, dropped, frame, finish };
}

describe('per-camera admission in front of the batcher', () => {
  it('keeps the newest frame when a camera outruns the model, and counts the dropped ones', async () => {
    const { admission, started, dropped, frame, finish } = setup();
    for (let i = 0; i < 5; i++) admission.offer(frame(i));
    assert.deepEqual(
      started.map((f) => f.seq),
      [0],
    );
    assert.deepEqual(dropped, [
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'superseded'],
    ]);
    assert.equal(admission.pending, 1);
    await finish();
    assert.deepEqual(
      started.map((f) => f.seq),
      [0, 4],
    );
  });

  it('keeps waiting frames in order up to the per-camera bound', async () => {
    const { admission, started, dropped, frame, finish } = setup({ perCameraQueue: 3 });
    for (let i = 0; i < 4; i++) admission.offer(frame(i));
    await finish();
    await finish();
    assert.deepEqual(
      started.map((f) => f.seq),
      [0, 1, 2],
    );
    assert.deepEqual(dropped, []);
  });

  it('one camera cannot hold back another', () => {
    const { admission, started, frame } = setup();
    for (let i = 0; i < 5; i++) admission.offer(frame(i, 'busy'));
    admission.offer(frame(100, 'quiet'));
    assert.deepEqual(
      started.map((f) => f.seq),
      [0, 100],
    );
  });

  it('drops frames that became stale while they waited', async () => {
    let now = 1_000;
    const { admission, started, dropped, frame, finish } = setup({ maxFrameAgeMs: 500 }, () => now);
    admission.offer(frame(0));
    admission.offer(frame(1, 'a', 1_000));
    now = 2_000;
    await finish();
    assert.deepEqual(dropped, [[1, 'stale']]);
    assert.equal(started.length, 1);
  });

  it('holds the global bound and drops waiting frames on close', async () => {
    const { admission, dropped, frame, finish } = setup({ maxPending: 1 });
    admission.offer(frame(0, 'a'));
    admission.offer(frame(1, 'a'));
    admission.offer(frame(2, 'b'));
    admission.offer(frame(3, 'b'));
    assert.deepEqual(dropped, [[3, 'queue_full']]);
    const closed = admission.close();
    assert.deepEqual(dropped.slice(1), [[1, 'shutdown']]);
    await finish();
    await finish();
    await closed;
  });

  it('drops a frame already older than its budget on arrival, before it queues', () => {
    const { admission, started, dropped, frame } = setup({ maxFrameAgeMs: 500 }, () => 2_000);
    admission.offer(frame(1, 'a', 1_600));
    admission.offer(frame(0, 'a', 1_400));
    admission.offer(frame(2, 'a', 1_000));
    assert.deepEqual(
      started.map((f) => f.seq),
      [1],
      'only the frame within its budget started',
    );
    assert.deepEqual(dropped, [
      [0, 'stale'],
      [2, 'stale'],
    ]);
    assert.equal(admission.pending, 0, 'stale frames never took a place in the queue');
  });

  it('holds all cameras to maxInFlight; waiting frames are replaced by newer ones of their camera, not queued behind them', async () => {
    const { admission, started, dropped, frame, finish } = setup({ maxInFlight: 2 });
    admission.offer(frame(0, 'a'));
    admission.offer(frame(10, 'b'));
    for (let i = 20; i < 24; i++) admission.offer(frame(i, 'c'));
    for (let i = 1; i < 4; i++) admission.offer(frame(i, 'a'));
    assert.deepEqual(
      started.map((f) => f.seq),
      [0, 10],
      'two frames in the batcher, the others wait',
    );
    assert.deepEqual(dropped, [
      [20, 'superseded'],
      [21, 'superseded'],
      [22, 'superseded'],
      [1, 'superseded'],
      [2, 'superseded'],
    ]);
    assert.equal(admission.pending, 2, 'one frame of c and one of a wait');
    assert.equal(admission.inFlight, 2);
    await finish();
    assert.deepEqual(
      started.map((f) => f.seq),
      [0, 10, 23],
      'c waited longest for a slot, so it goes first, with its newest frame',
    );
    await finish();
    assert.deepEqual(
      started.map((f) => f.seq),
      [0, 10, 23, 3],
    );
    assert.equal(admission.pending, 0);
  });

  it('gives free batcher slots to cameras in turn, so a busy camera cannot take them all', async () => {
    const { admission, started, frame, finish } = setup({ maxInFlight: 1, perCameraInFlight: 2, perCameraQueue: 3 });
    admission.offer(frame(0, 'busy'));
    admission.offer(frame(1, 'busy'));
    admission.offer(frame(2, 'busy'));
    admission.offer(frame(100, 'quiet'));
    admission.offer(frame(3, 'busy'));
    for (let i = 0; i < 4; i++) await finish();
    assert.deepEqual(
      started.map((f) => f.seq),
      [0, 1, 100, 2, 3],
    );
  });

  it('drops a waiting frame that aged past its budget while every slot was taken, and fills the slot with the next camera', async () => {
    let now = 1_000;
    const { admission, started, dropped, frame, finish } = setup({ maxInFlight: 1, maxFrameAgeMs: 500 }, () => now);
    admission.offer(frame(0, 'a', 1_000));
    admission.offer(frame(1, 'b', 1_000));
    now = 1_300;
    admission.offer(frame(2, 'c', 1_300));
    now = 1_600;
    await finish();
    assert.deepEqual(dropped, [[1, 'stale']]);
    assert.deepEqual(
      started.map((f) => f.seq),
      [0, 2],
    );
    assert.equal(admission.pending, 0);
  });
});
