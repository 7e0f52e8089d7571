import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@va/common';
import { loadConfig as load } from './config.js';

const loadConfig = (env: Record<string, string>) => load({ VA_GRPC_TOKENS: 'viewer:viewer-token-1', ...env });

describe('tracking configuration', () => {
  it('defaults to ByteTrack settings, one partition and a 16-frame reorder window', () => {
    const c = loadConfig({});
    assert.equal(c.tracking.tracker.trackHighThresh, 0.5);
    assert.equal(c.tracking.tracker.trackBuffer, 30);
    assert.deepEqual(c.tracking.partition, { index: 0, count: 1 });
    assert.deepEqual(c.tracking.reorder, { window: 16, gapTimeoutMs: 500 });
    assert.equal(c.grpc.port, 50053);
  });

  it('reads the ByteTrack thresholds and partition from the environment', () => {
    const c = loadConfig({
      VA_TRACKING_TRACK_HIGH_THRESH: '0.6',
      VA_TRACKING_NEW_TRACK_THRESH: '0.7',
      VA_TRACKING_TWO_STAGE: 'false',
      VA_TRACKING_PARTITION_INDEX: '2',
      VA_TRACKING_PARTITION_COUNT: '3',
    });
    assert.equal(c.tracking.tracker.trackHighThresh, 0.6);
    assert.equal(c.tracking.tracker.twoStage, false);
    assert.deepEqual(c.tracking.partition, { index: 2, count: 3 });
  });

  it('lists every bad key at once', () => {
    try {
      loadConfig({ VA_TRACKING_MATCH_THRESH: '2', VA_TRACKING_REORDER_WINDOW: '0', VA_TRACKING_DURABLE_PREFIX: 'a.b', VA_HTTP_PORT: 'x' });
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const keys = err.issues.map((i) => i.key).sort();
      assert.deepEqual(keys, ['VA_HTTP_PORT', 'VA_TRACKING_DURABLE_PREFIX', 'VA_TRACKING_MATCH_THRESH', 'VA_TRACKING_REORDER_WINDOW']);
    }
  });

  it('refuses inconsistent settings', () => {
    assert.throws(() => loadConfig({ VA_TRACKING_PARTITION_INDEX: '2', VA_TRACKING_PARTITION_COUNT: '2' }), /VA_TRACKING_PARTITION_INDEX/);
    assert.throws(() => loadConfig({ VA_TRACKING_TRACK_LOW_THRESH: '0.7' }), /trackLowThresh must not exceed/);
  });
});
