import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@va/common';
import { loadConfig as load } from './config.js';

const loadConfig = (env: Record<string, string>) =>
  load({ VA_GRPC_TOKENS: 'viewer:viewer-token-0123456789abcdef0123', ...env });

describe('tracking configuration', () => {
  it('defaults to ByteTrack settings, one static partition and a 16-frame reorder window', () => {
    const c = loadConfig({});
    assert.equal(c.tracking.tracker.trackHighThresh, 0.5);
    assert.equal(c.tracking.tracker.trackBuffer, 30);
    assert.deepEqual(c.tracking.membership, { mode: 'static', partition: { index: 0, count: 1 } });
    assert.deepEqual(c.tracking.reorder, { window: 16, gapTimeoutMs: 500 });
    assert.equal(c.grpc.port, 50053);
  });

  it('reads the ByteTrack thresholds and static partitions from the environment', () => {
    const c = loadConfig({
      VA_TRACKING_TRACK_HIGH_THRESH: '0.6',
      VA_TRACKING_NEW_TRACK_THRESH: '0.7',
      VA_TRACKING_TWO_STAGE: 'false',
      VA_TRACKING_MEMBERSHIP: 'static',
      VA_TRACKING_PARTITION_INDEX: '2',
      VA_TRACKING_PARTITION_COUNT: '3',
    });
    assert.equal(c.tracking.tracker.trackHighThresh, 0.6);
    assert.equal(c.tracking.tracker.twoStage, false);
    assert.deepEqual(c.tracking.membership, { mode: 'static', partition: { index: 2, count: 3 } });
  });

  it('reads dynamic membership settings; a member id must be usable as a KV key', () => {
    assert.deepEqual(loadConfig({ VA_TRACKING_MEMBERSHIP: 'dynamic' }).tracking.membership, {
      mode: 'dynamic',
      memberId: undefined,
      bucket: 'va_tracking_members',
      ttlMs: 15_000,
      settleMs: 10_000,
    });
    const c = loadConfig({
      VA_TRACKING_MEMBERSHIP: 'dynamic',
      VA_TRACKING_MEMBER_ID: 'tracking-7f9c.pod',
      VA_TRACKING_MEMBER_TTL_MS: '6000',
      VA_TRACKING_MEMBERSHIP_SETTLE_MS: '0',
      VA_TRACKING_MEMBERS_BUCKET: 'members',
    });
    assert.deepEqual(c.tracking.membership, {
      mode: 'dynamic',
      memberId: 'tracking-7f9c.pod',
      bucket: 'members',
      ttlMs: 6000,
      settleMs: 0,
    });
    for (const bad of ['a b', 'a*', '.a', 'a.', 'x'.repeat(254)])
      assert.throws(
        () => loadConfig({ VA_TRACKING_MEMBERSHIP: 'dynamic', VA_TRACKING_MEMBER_ID: bad }),
        /VA_TRACKING_MEMBER_ID/,
        bad,
      );
  });

  it('refuses the keys of the other membership mode rather than ignoring them', () => {
    assert.throws(
      () =>
        loadConfig({
          VA_TRACKING_MEMBERSHIP: 'dynamic',
          VA_TRACKING_PARTITION_INDEX: '1',
          VA_TRACKING_PARTITION_COUNT: '2',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.issues.map((i) => i.key).sort(), [
          'VA_TRACKING_PARTITION_COUNT',
          'VA_TRACKING_PARTITION_INDEX',
        ]);
        assert.match(err.message, /only read with VA_TRACKING_MEMBERSHIP=static/);
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ VA_TRACKING_MEMBER_ID: 'a' }),
      /VA_TRACKING_MEMBER_ID.*only read with VA_TRACKING_MEMBERSHIP=dynamic/s,
    );
  });

  it('lists every bad key at once', () => {
    try {
      loadConfig({
        VA_TRACKING_MATCH_THRESH: '2',
        VA_TRACKING_REORDER_WINDOW: '0',
        VA_TRACKING_DURABLE_PREFIX: 'a.b',
        VA_HTTP_PORT: 'x',
      });
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const keys = err.issues.map((i) => i.key).sort();
      assert.deepEqual(keys, [
        'VA_HTTP_PORT',
        'VA_TRACKING_DURABLE_PREFIX',
        'VA_TRACKING_MATCH_THRESH',
        'VA_TRACKING_REORDER_WINDOW',
      ]);
    }
  });

  it('refuses inconsistent settings', () => {
    assert.throws(
      () =>
        loadConfig({
          VA_TRACKING_MEMBERSHIP: 'static',
          VA_TRACKING_PARTITION_INDEX: '2',
          VA_TRACKING_PARTITION_COUNT: '2',
        }),
      /VA_TRACKING_PARTITION_INDEX/,
    );
    assert.throws(() => loadConfig({ VA_TRACKING_TRACK_LOW_THRESH: '0.7' }), /trackLowThresh must not exceed/);
  });
});
