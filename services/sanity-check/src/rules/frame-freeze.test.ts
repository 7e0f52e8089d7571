import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batch, stats } from '../test-support/messages.js';
import { FrameFreezeRule } from './frame-freeze.js';

const options = { minFrames: 10, minMs: 1500, nearZeroDelta: 0.002, maxChangedShare: 0.05 };

describe('frame-freeze', () => {
  it('flags a run of identical thumbnails once it is long enough in frames and time, once per run', () => {
    const rule = new FrameFreezeRule(options);
    const found = [];
    for (let s = 0; s < 5; s++)
      found.push(...rule.onDetections(batch(s, [], { stats: stats(1000 + s, 120 + s * 0.3) })));
    for (let s = 5; s < 40; s++) found.push(...rule.onDetections(batch(s, [], { stats: stats(77, 121) })));
    assert.equal(found.length, 1);
    const f = found[0]!;
    assert.equal(f.rule, 'frame-freeze');
    assert.equal(f.subject, 'freeze');
    assert.equal(f.evidence.identical_hash, 1);
    assert.equal(f.evidence.since_sequence, 5);
    assert.ok(f.evidence.duration_ms! >= 1500 && f.evidence.frames! >= 10);
    // The picture moves again, then freezes again: a second run.
    rule.onDetections(batch(40, [], { stats: stats(5, 90) }));
    let again = 0;
    for (let s = 41; s < 70; s++) again += rule.onDetections(batch(s, [], { stats: stats(6, 90) })).length;
    assert.equal(again, 1);
  });

  it('counts near-zero change as frozen, but not ordinary frame-to-frame change or missing statistics', () => {
    const nearZero = new FrameFreezeRule(options);
    let found = 0;
    for (let s = 0; s < 30; s++)
      found += nearZero.onDetections(batch(s, [], { stats: stats(s + 1, 100 + s * 0.001, 40) })).length;
    assert.equal(found, 1, 'hash changes (clock overlay) but luma does not');
    const moving = new FrameFreezeRule(options);
    found = 0;
    for (let s = 0; s < 50; s++)
      found += moving.onDetections(
        batch(s, [], { stats: stats(s % 3 === 0 ? 9 : s, 100 + (s % 5) * 0.2, 40 + (s % 2) * 0.1) }),
      ).length;
    for (let s = 50; s < 80; s++) found += moving.onDetections(batch(s, [])).length;
    for (let s = 80; s < 110; s++) found += moving.onDetections(batch(s, [], { stats: stats(0, 0, 0) })).length;
    assert.equal(found, 0);
  });
});
