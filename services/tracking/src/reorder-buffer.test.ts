import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReorderBuffer } from './reorder-buffer.js';

const seqs = (r: { released: Array<{ sequence: number }> }) => r.released.map((x) => x.sequence);

describe('ReorderBuffer', () => {
  it('releases in sequence order whatever the arrival order', () => {
    const b = new ReorderBuffer<string>({ window: 8, gapTimeoutMs: 1000 });
    const out: number[] = [];
    for (const s of [0, 2, 1, 4, 3, 5]) out.push(...seqs(b.offer(s, `f${s}`, 0)));
    assert.deepEqual(out, [0, 1, 2, 3, 4, 5]);
    assert.equal(b.depth, 0);
  });

  it('holds frames behind a gap and releases them when the gap times out, counting the skipped frames', () => {
    const b = new ReorderBuffer<number>({ window: 8, gapTimeoutMs: 500 });
    b.offer(0, 0, 0);
    const r3 = b.offer(3, 3, 100);
    assert.equal(r3.verdict, 'buffered');
    b.offer(4, 4, 150);
    assert.equal(b.depth, 2);
    assert.equal(b.nextDeadline(), 600);
    assert.deepEqual(seqs(b.expire(599)), []);
    const late = b.expire(600);
    assert.deepEqual(seqs(late), [3, 4]);
    assert.equal(late.skipped, 2);
    assert.equal(late.released[0]!.framesElapsed, 3, 'the tracker is told three frames passed');
  });

  it('skips at once when the window is full', () => {
    const b = new ReorderBuffer<number>({ window: 3, gapTimeoutMs: 60_000 });
    b.offer(0, 0, 0);
    for (const s of [2, 3, 4]) assert.deepEqual(seqs(b.offer(s, s, 0)), []);
    const r = b.offer(5, 5, 0);
    assert.deepEqual(seqs(r), [2, 3, 4, 5]);
    assert.equal(r.skipped, 1);
  });

  it('refuses late frames and duplicates', () => {
    const b = new ReorderBuffer<number>({ window: 4, gapTimeoutMs: 100 });
    b.offer(0, 0, 0);
    b.offer(2, 2, 0);
    b.expire(1000); // 1 is given up on
    assert.equal(b.offer(1, 1, 1000).verdict, 'late');
    assert.equal(b.offer(2, 2, 1000).verdict, 'duplicate');
    b.offer(4, 4, 1000);
    assert.equal(b.offer(4, 4, 1000).verdict, 'duplicate', 'a second copy of a held frame');
    assert.equal(b.offer(3, 3, 1000).verdict, 'released');
  });

  it('waits for the first frame of a resumed stream (not sequence 0) before starting', () => {
    const b = new ReorderBuffer<number>({ window: 8, gapTimeoutMs: 200 });
    assert.deepEqual(seqs(b.offer(101, 101, 0)), [], 'an earlier frame may still come');
    assert.deepEqual(seqs(b.offer(100, 100, 50)), []);
    assert.deepEqual(seqs(b.expire(200)), [100, 101]);
    assert.deepEqual(seqs(b.offer(102, 102, 210)), [102]);
  });

  it('flush releases everything held in order; clear hands it back unprocessed', () => {
    const b = new ReorderBuffer<number>({ window: 8, gapTimeoutMs: 1000 });
    b.offer(0, 0, 0);
    b.offer(3, 3, 0);
    b.offer(2, 2, 0);
    assert.deepEqual(seqs(b.flush()), [2, 3]);
    b.offer(6, 6, 0);
    assert.deepEqual(b.clear(), [6]);
    assert.equal(b.depth, 0);
  });

  it('releases a frame behind a gap at once when the gap was announced as shed, and counts it apart from gaps given up on', () => {
    const b = new ReorderBuffer<number>({ window: 8, gapTimeoutMs: 500 });
    b.offer(0, 0, 0);
    b.announceShed([1, 2]);
    const r = b.offer(3, 3, 100);
    assert.equal(r.verdict, 'released', 'no wait for frames that will never come');
    assert.deepEqual(seqs(r), [3]);
    assert.equal(r.shed, 2);
    assert.equal(r.skipped, 0);
    assert.equal(r.released[0]!.framesElapsed, 3, 'the tracker still predicts across the shed frames');
    assert.equal(b.depth, 0);
  });

  it('passes over announced sequences ahead of the window and still waits for the others', () => {
    const b = new ReorderBuffer<number>({ window: 8, gapTimeoutMs: 500 });
    b.offer(0, 0, 0);
    b.announceShed([2, 5]);
    assert.equal(b.offer(3, 3, 10).verdict, 'buffered', '1 was not announced: it may still come');
    const r1 = b.offer(1, 1, 20);
    assert.deepEqual(seqs(r1), [1, 3]);
    assert.equal(r1.shed, 1);
    const r6 = b.offer(6, 6, 30);
    assert.equal(r6.verdict, 'buffered', '4 is missing and was not announced');
    const expired = b.expire(530);
    assert.deepEqual(seqs(expired), [6]);
    assert.equal(expired.skipped, 1, 'only 4 was given up on');
    assert.equal(expired.shed, 1, '5 was passed over as announced');
  });

  it('starts at 0 when the stream began with shed frames', () => {
    const b = new ReorderBuffer<number>({ window: 8, gapTimeoutMs: 500 });
    b.announceShed([0, 1]);
    const r = b.offer(2, 2, 0);
    assert.equal(r.verdict, 'released');
    assert.equal(r.shed, 2);
  });
});
