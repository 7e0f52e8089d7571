import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cameraBucket, routeVersion, trafficShares } from './canary-router.js';

describe('canary routing by a stable hash of the camera id', () => {
  const cameras = Array.from({ length: 5000 }, (_, i) => `cam-${i}`);

  it('sends about the configured share of cameras to the canary', () => {
    const rollout = { stable: '1', canary: { version: '2', share: 0.2 } };
    const share = cameras.filter((c) => routeVersion(rollout, c) === '2').length / cameras.length;
    assert.ok(Math.abs(share - 0.2) < 0.03, `share ${share}`);
  });

  it('is stable for a camera, and raising the share only moves cameras to the canary', () => {
    const at = (share: number) =>
      new Set(cameras.filter((c) => routeVersion({ stable: '1', canary: { version: '2', share } }, c) === '2'));
    const small = at(0.1);
    const large = at(0.5);
    for (const c of small) assert.ok(large.has(c), `${c} left the canary when the share grew`);
    // Stable across calls and processes: the bucket is a fixed function of the id, not of state.
    const buckets = cameras.slice(0, 50).map(cameraBucket);
    assert.deepEqual(cameras.slice(0, 50).map(cameraBucket), buckets);
    assert.ok(
      buckets.every((b) => b >= 0 && b < 1),
      'buckets lie in [0, 1)',
    );
    assert.ok(new Set(buckets).size > 45, 'different cameras land in different buckets');
    assert.equal(routeVersion({ stable: '1', canary: { version: '2', share: 1 } }, 'cam-1'), '2');
  });

  it('callers without a camera id get the stable version', () => {
    assert.equal(routeVersion({ stable: '1', canary: { version: '2', share: 0.99 } }, undefined), '1');
    assert.deepEqual(
      trafficShares({ stable: '1', canary: { version: '2', share: 0.25 } }),
      new Map([
        ['1', 0.75],
        ['2', 0.25],
      ]),
    );
  });
});
