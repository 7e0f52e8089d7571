import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadNatsConfig } from '../config/nats.js';
import { kvBucketOptions } from './kv.js';

describe('KV bucket options', () => {
  it('carry VA_JS_REPLICAS, like the streams', () => {
    const { replicas } = loadNatsConfig({ VA_JS_REPLICAS: '3' }).jetstream;
    assert.deepEqual(kvBucketOptions(replicas, { history: 1, ttlMs: 5_000 }), { history: 1, replicas: 3, ttl: 5_000 });
    assert.deepEqual(kvBucketOptions(replicas, { history: 5, description: 'zones' }), {
      history: 5,
      replicas: 3,
      description: 'zones',
    });
  });
});
