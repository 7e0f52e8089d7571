import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KV, KvOptions } from 'nats';
import { createLogger, type NatsConnectionHandle } from '@va/common';
import { RolloutStore } from './rollout-store.js';

describe('rollout store bucket', () => {
  it('is made with VA_JS_REPLICAS', async () => {
    const opened: Array<Partial<KvOptions>> = [];
    const nats = {
      js: {
        views: {
          kv: (_bucket: string, options: Partial<KvOptions>) => Promise.resolve((opened.push(options), {} as KV)),
        },
      },
      jsm: { streams: { info: () => Promise.resolve({ config: { num_replicas: 3 } }) } },
    } as unknown as NatsConnectionHandle;
    await RolloutStore.open(nats, 'va_rollouts', 3, createLogger('test', 'silent'));
    assert.equal(opened[0]?.replicas, 3);
  });
});
