import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors, type Client } from '@elastic/elasticsearch';
import { createLogger } from '@va/common';
import { ElasticsearchHealth } from '../elasticsearch-health.js';
import { testMetrics } from '../test-support.js';
import { BulkIndexer, type BulkOp } from './bulk-indexer.js';

const log = createLogger('test', 'silent');

interface Item {
  status: number;
  result?: string;
  error?: { type: string; reason: string };
}

/** A stand-in for the client's bulk(): records requests and answers per document with `answer`. */
function fakeClient(answer: (id: string, attempt: number) => Item | Error, gate?: Promise<void>) {
  const requests: string[][] = [];
  const attempts = new Map<string, number>();
  const client = {
    async bulk({ operations }: { operations: string }) {
      await gate;
      const lines = operations.trim().split('\n');
      const ids = lines
        .filter((_, i) => i % 2 === 0)
        .map((l) => (JSON.parse(l) as { index: { _id: string } }).index._id);
      requests.push(ids);
      const answers = ids.map((id) => {
        const n = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, n);
        return answer(id, n);
      });
      const failure = answers.find((a): a is Error => a instanceof Error);
      if (failure) throw failure;
      const items = answers as Item[];
      return { errors: items.some((i) => i.status >= 300), items: items.map((i) => ({ index: i })) };
    },
  };
  return { client: client as unknown as Client, requests };
}

function setup(
  answer: (id: string, attempt: number) => Item | Error,
  config: { maxDocs?: number; flushMs?: number; bufferDocs?: number; gate?: Promise<void> } = {},
) {
  const metrics = testMetrics();
  let probeOk = true;
  const health = new ElasticsearchHealth({
    probe: async () => {
      if (!probeOk) throw new Error('down');
    },
    log,
    metrics,
    minIntervalMs: 5,
    maxIntervalMs: 20,
  });
  health.start();
  // The health probe's timer is unref'd (it must not keep a service alive); the test keeps the loop alive.
  const keepAlive = setInterval(() => {}, 1_000);
  const fake = fakeClient(answer, config.gate);
  const indexer = new BulkIndexer({
    client: fake.client,
    health,
    metrics,
    log,
    config: {
      bulk: { maxDocs: config.maxDocs ?? 100, maxBytes: 1_000_000, flushMs: config.flushMs ?? 10, concurrency: 1 },
      buffer: { maxDocs: config.bufferDocs ?? 1_000, maxBytes: 10_000_000 },
      retry: { maxItemRetries: 3, baseMs: 1, maxMs: 5 },
    },
  });
  const ops = (...ids: string[]): BulkOp[] =>
    ids.map((id) => ({ kind: 'track-events', index: 'va-track-events-2030.01.01', id, doc: { id } }));
  return {
    indexer,
    health,
    metrics,
    ops,
    requests: fake.requests,
    setProbe: (ok: boolean) => (probeOk = ok),
    close: () => {
      indexer.close();
      health.close();
      clearInterval(keepAlive);
    },
  };
}

const created: Item = { status: 201, result: 'created' };

describe('bulk indexer', () => {
  it('sends a full batch at once and a partial one after the flush interval', async () => {
    const t = setup(() => created, { maxDocs: 3, flushMs: 50 });
    await t.health.whenAvailable();
    const full = await t.indexer.submit(t.ops('a', 'b', 'c'));
    assert.deepEqual(await full.settled, Array(3).fill({ ok: true, result: 'created' }));
    const started = Date.now();
    const partial = await t.indexer.submit(t.ops('d'));
    await partial.settled;
    assert.ok(Date.now() - started >= 40, 'waited for the flush interval');
    assert.deepEqual(t.requests, [['a', 'b', 'c'], ['d']]);
    t.close();
  });

  it('retries 429 items, rejects 4xx items for good, and counts older versioned writes as superseded', async () => {
    const t = setup((id, attempt) => {
      if (id === 'busy')
        return attempt < 3
          ? { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } }
          : created;
      if (id === 'bad')
        return {
          status: 400,
          error: { type: 'document_parsing_exception', reason: 'failed to parse field [track_id]' },
        };
      if (id === 'old')
        return { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'newer version' } };
      if (id === 'hopeless')
        return { status: 503, error: { type: 'unavailable_shards_exception', reason: 'no shard' } };
      return created;
    });
    await t.health.whenAvailable();
    const ops = t.ops('ok', 'busy', 'bad', 'old', 'hopeless');
    (ops[3] as BulkOp).version = { value: 3, type: 'external' };
    const outcomes = await (await t.indexer.submit(ops)).settled;
    assert.deepEqual(outcomes[0], { ok: true, result: 'created' });
    assert.deepEqual(outcomes[1], { ok: true, result: 'created' });
    assert.deepEqual(outcomes[2], {
      ok: false,
      status: 400,
      errorType: 'document_parsing_exception',
      reason: 'failed to parse field [track_id]',
    });
    assert.deepEqual(outcomes[3], { ok: true, result: 'superseded' });
    assert.equal(outcomes[4]?.ok, false);
    assert.match((outcomes[4] as { reason: string }).reason, /gave up after 3 retries/);
    assert.equal(t.indexer.held.docs, 0);
    t.close();
  });

  it('keeps a batch through an outage and sends it when Elasticsearch is back', async () => {
    let down = true;
    const t = setup(() => (down ? new errors.ConnectionError('connect ECONNREFUSED') : created));
    await t.health.whenAvailable();
    t.setProbe(false);
    const { settled } = await t.indexer.submit(t.ops('x', 'y'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(t.health.available, false);
    assert.equal(t.indexer.held.docs, 2, 'held, not dropped');
    let waited = false;
    const blocked = t.indexer.submit(t.ops('z')).then(() => (waited = true));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(waited, false, 'new work waits while Elasticsearch is down');
    down = false;
    t.setProbe(true);
    assert.deepEqual(await settled, [
      { ok: true, result: 'created' },
      { ok: true, result: 'created' },
    ]);
    await blocked;
    t.close();
  });

  it('bounds what it holds: submit waits for room', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const t = setup(() => created, { bufferDocs: 2, flushMs: 1, gate });
    await t.health.whenAvailable();
    const first = await t.indexer.submit(t.ops('a', 'b'));
    let admitted = false;
    const second = t.indexer.submit(t.ops('c')).then((s) => {
      admitted = true;
      return s;
    });
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(admitted, false);
    release();
    await first.settled;
    await (
      await second
    ).settled;
    assert.equal(admitted, true);
    t.close();
  });
});
