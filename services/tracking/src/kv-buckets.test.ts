import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KV, KvOptions } from 'nats';
import { createLogger, createRegistry, type NatsConnectionHandle } from '@va/common';
import { CameraLeases } from './camera-leases.js';
import { openMembership } from './membership/open-membership.js';
import { TrackingMetrics } from './metrics.js';
import { ZoneStore } from './zones/zone-store.js';

/** A NATS handle that records the options each KV bucket is opened with. */
function recordingNats(replicas: number) {
  const opened: Array<{ bucket: string; options: Partial<KvOptions> }> = [];
  const nats = {
    js: {
      views: {
        kv: (bucket: string, options: Partial<KvOptions>) =>
          Promise.resolve((opened.push({ bucket, options }), {} as KV)),
      },
    },
    jsm: { streams: { info: () => Promise.resolve({ config: { num_replicas: replicas } }) } },
  };
  return { nats: nats as unknown as NatsConnectionHandle, opened };
}

describe("tracking's KV buckets", () => {
  it('zones, leases and membership are made with VA_JS_REPLICAS', async () => {
    const { nats, opened } = recordingNats(3);
    const log = createLogger('test', 'silent');
    await ZoneStore.open(nats, 'va_zones', 3, log);
    await CameraLeases.open(nats, { bucket: 'va_leases', replicas: 3, ttlMs: 6_000, owner: 'me', log });
    const membership = {
      mode: 'dynamic',
      bucket: 'va_members',
      ttlMs: 6_000,
      settleMs: 1_000,
      partition: { index: 0, count: 1 },
    } as unknown as Parameters<typeof openMembership>[1];
    await openMembership(nats, membership, 3, new TrackingMetrics(createRegistry(), 'va_test_'), log);
    assert.deepEqual(
      opened.map((o) => [o.bucket, o.options.replicas]),
      [
        ['va_zones', 3],
        ['va_leases', 3],
        ['va_members', 3],
      ],
    );
  });
});
