import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stableHash32 } from './hash.js';

describe('stableHash32', () => {
  it('never changes for a given string (partitions and canary sides depend on it)', () => {
    assert.equal(stableHash32('cam-1'), 3931968188);
    assert.equal(stableHash32(''), 2872998923);
  });

  it('spreads similar ids evenly', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const b = Math.floor((stableHash32(`cam-${i}`) / 2 ** 32) * 10);
      buckets[b] = (buckets[b] ?? 0) + 1;
    }
    for (const b of buckets) assert.ok(b > 900 && b < 1100, `bucket of ${b}`);
  });
});
