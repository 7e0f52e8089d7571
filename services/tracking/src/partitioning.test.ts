import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownerOf, owns } from './partitioning.js';

const cameras = Array.from({ length: 2000 }, (_, i) => `cam-${i}`);

describe('camera partitioning (rendezvous hashing)', () => {
  it('gives every camera exactly one owner', () => {
    for (const camera of cameras.slice(0, 200)) {
      const owners = [0, 1, 2].filter((index) => owns({ index, count: 3 }, camera));
      assert.equal(owners.length, 1);
    }
  });

  it('spreads cameras evenly', () => {
    for (const count of [2, 3, 5]) {
      const load = new Array<number>(count).fill(0);
      for (const c of cameras) load[ownerOf(c, count)]!++;
      for (const l of load) assert.ok(Math.abs(l - cameras.length / count) < 0.1 * (cameras.length / count), `${count} instances: ${load}`);
    }
  });

  it('moves only the share of cameras the new instance takes when one is added', () => {
    const moved = cameras.filter((c) => ownerOf(c, 3) !== ownerOf(c, 4));
    assert.ok(moved.every((c) => ownerOf(c, 4) === 3), 'cameras only move to the new instance');
    assert.ok(Math.abs(moved.length / cameras.length - 0.25) < 0.04, `${moved.length} moved`);
  });

  it('with one instance, it owns everything', () => {
    assert.ok(cameras.every((c) => ownerOf(c, 1) === 0));
  });
});
