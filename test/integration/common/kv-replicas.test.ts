import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger, loadNatsConfig, NatsConnectionHandle, openKvBucket } from '@va/common';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';

const log = createLogger('test', 'silent');

describe('KV buckets follow VA_JS_REPLICAS (real nats-server)', () => {
  let server: TestNatsServer;
  let nats: NatsConnectionHandle;
  before(async () => {
    server = await startNatsServer();
    nats = await NatsConnectionHandle.connect(loadNatsConfig(server.env('admin')), { name: 'test', log });
  });
  after(async () => {
    await nats?.close();
    await server?.dispose();
  });

  it('creates a bucket with the configured replicas and its other options', async () => {
    const { replicas } = loadNatsConfig({ NATS_URL: server.url, VA_JS_REPLICAS: '1' }).jetstream;
    await openKvBucket(nats, 'va_test_leases', replicas, { history: 1, ttlMs: 10_000 });
    const info = await nats.jsm.streams.info('KV_va_test_leases');
    assert.equal(info.config.num_replicas, 1);
    assert.equal(info.config.max_msgs_per_subject, 1);
    assert.equal(info.config.max_age, 10_000 * 1_000_000);
  });

  it('passes replicas > 1 through to the server, which a single server refuses with a clear error', async () => {
    const { replicas } = loadNatsConfig({ NATS_URL: server.url, VA_JS_REPLICAS: '3' }).jetstream;
    await assert.rejects(openKvBucket(nats, 'va_test_zones', replicas, { history: 5 }), (err: Error) => {
      assert.match(
        JSON.stringify((err as { api_error?: unknown }).api_error ?? err.message),
        /replicas > 1 not supported in non-clustered mode/,
      );
      return true;
    });
  });

  it('moves a bucket made earlier with other replicas to the configured ones', async () => {
    await openKvBucket(nats, 'va_test_registry', 1, { history: 1 });
    assert.equal((await nats.jsm.streams.info('KV_va_test_registry')).config.num_replicas, 1);
    // VA_JS_REPLICAS raised later: the existing bucket's stream is updated (a standalone nats-server
    // 2.9 records the update although it cannot place the replicas; a cluster does).
    await openKvBucket(nats, 'va_test_registry', 3, { history: 1 });
    assert.equal((await nats.jsm.streams.info('KV_va_test_registry')).config.num_replicas, 3);
  });
});
