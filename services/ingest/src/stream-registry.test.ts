import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JetStreamClient, JetStreamManager, KV, KvOptions } from 'nats';
import { createLogger } from '@va/common';
import { StreamRegistry } from './stream-registry.js';

describe('stream registry bucket', () => {
  it('is made with VA_JS_REPLICAS', async () => {
    const opened: Array<Partial<KvOptions>> = [];
    const js = {
      views: {
        kv: (_bucket: string, options: Partial<KvOptions>) => Promise.resolve((opened.push(options), {} as KV)),
      },
    } as unknown as JetStreamClient;
    const jsm = {
      streams: { info: () => Promise.resolve({ config: { num_replicas: 3 } }) },
    } as unknown as JetStreamManager;
    await StreamRegistry.open(js, jsm, 'va_ingest_streams', 3, createLogger('test', 'silent'));
    assert.equal(opened[0]?.replicas, 3);
  });
});
