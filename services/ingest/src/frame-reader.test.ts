import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FRAME_HEAD_RESERVE } from './frame-pool.js';
import { FrameReader, type RawFrame } from './frame-reader.js';

function collect(capacity = 4) {
  const frames: number[][] = [];
  let noBuffer = 0;
  const held: RawFrame[] = [];
  const reader = new FrameReader(
    {
      onFrame: (f) => {
        frames.push(Array.from(f.buffer.subarray(FRAME_HEAD_RESERVE, FRAME_HEAD_RESERVE + f.bytes)));
        held.push(f);
      },
      onNoBuffer: () => noBuffer++,
    },
    capacity,
  );
  return { reader, frames, held, noBuffer: () => noBuffer };
}

const write = (reader: FrameReader, bytes: number[]) =>
  new Promise<void>((resolve, reject) => reader.write(Buffer.from(bytes), (err) => (err ? reject(err) : resolve())));

describe('frame reader', () => {
  it('cuts frames across any chunk boundaries', async () => {
    const { reader, frames, held } = collect();
    reader.setFrameBytes(3);
    await write(reader, [1, 2]);
    await write(reader, [3, 4, 5, 6, 7]);
    for (const f of held.splice(0)) reader.release(f.buffer);
    await write(reader, [8, 9]);
    assert.deepEqual(frames, [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    assert.equal(reader.partialBytes, 0);
    await write(reader, [10]);
    assert.equal(reader.partialBytes, 1, 'a torn last frame is never handed over');
  });

  it('skips a frame instead of queueing when every pooled buffer is taken', async () => {
    const { reader, frames, held, noBuffer } = collect(2);
    reader.setFrameBytes(2);
    await write(reader, [1, 1, 2, 2, 3, 3, 4, 4]);
    assert.deepEqual(
      frames,
      [
        [1, 1],
        [2, 2],
      ],
      'frames 3 and 4 had no buffer',
    );
    assert.equal(noBuffer(), 2);
    reader.release(held[0]?.buffer as Uint8Array);
    await write(reader, [5, 5]);
    assert.deepEqual(frames.at(-1), [5, 5], 'reading goes on once a buffer is back');
  });

  it('holds the first chunk until the frame size is known', async () => {
    const { reader, frames } = collect();
    const pending = write(reader, [1, 2, 3, 4]);
    await new Promise((r) => setImmediate(r));
    assert.equal(frames.length, 0);
    reader.setFrameBytes(2);
    await pending;
    assert.deepEqual(frames, [
      [1, 2],
      [3, 4],
    ]);
    assert.throws(() => reader.setFrameBytes(4), /changed/);
  });
});
