import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batch, stats } from '../test-support/messages.js';
import { DarkOrBlankFrameRule } from './dark-or-blank-frame.js';

const options = { maxDarkLuma: 20, maxBlankStddev: 3, minFlatShare: 0.9, minFrames: 5, minMs: 1000 };

describe('dark-or-blank-frame', () => {
  it('flags a dark camera and, separately, a flat (blank) picture', () => {
    const rule = new DarkOrBlankFrameRule(options);
    const found = [];
    for (let s = 0; s < 5; s++) found.push(...rule.onDetections(batch(s, [], { stats: stats(s, 110, 50) })));
    for (let s = 5; s < 25; s++) found.push(...rule.onDetections(batch(s, [], { stats: stats(s, 6, 4) })));
    for (let s = 25; s < 45; s++) found.push(...rule.onDetections(batch(s, [], { stats: stats(s, 128, 0.5) })));
    assert.deepEqual(
      found.map((f) => f.subject),
      ['dark', 'blank'],
    );
    assert.equal(found[0]!.sequence, 15, 'after 1 s at 10 fps');
    assert.equal(found[0]!.evidence.mean_luma, 6);
    assert.equal(found[1]!.evidence.luma_stddev, 0.5);
  });

  it('leaves a dim but textured scene and short dark moments alone', () => {
    const rule = new DarkOrBlankFrameRule(options);
    let found = 0;
    for (let s = 0; s < 50; s++)
      found += rule.onDetections(batch(s, [], { stats: stats(s, s % 8 === 0 ? 5 : 45, 12) })).length;
    assert.equal(found, 0);
  });
});
