import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnectionHandle } from '@va/common';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { countDocs, esClient, startElasticsearchNode, type TestElasticsearchNode } from '@va/harness/elasticsearch';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { connectPublisher, publish, trackEvent, trackUpdate } from '@va/harness/pipeline-messages';
import { sleep, waitFor } from '@va/harness/ports';
import { metricValue, startSearchService, type RunningSearchService } from '@va/harness/search-service';

/**
 * Elasticsearch goes away while messages flow and comes back: consumption pauses (readiness says
 * why), nothing is lost, nothing is indexed twice. This test stops a node of its own, not the
 * stack's shared one that other test files use at the same time.
 */
describe('Elasticsearch outage while messages flow', () => {
  let node: TestElasticsearchNode;
  let nats: TestNatsServer;
  let pub: NatsConnectionHandle;
  let service: RunningSearchService;
  const prefix = 'outage';
  const camera = 'cam-outage';
  const t0 = Date.now();

  before(async () => {
    [node, nats] = await Promise.all([startElasticsearchNode(), startNatsServer()]);
    pub = await connectPublisher(nats.url);
    // Every track point indexed (VA_SEARCH_PATH_INTERVAL_MS=0): this test counts, message by message, that an outage loses nothing.
    service = await startSearchService({
      natsUrl: nats.url,
      esUrl: node.url,
      prefix,
      env: { VA_SEARCH_BULK_MAX_DOCS: '50', ES_REQUEST_TIMEOUT_MS: '5000', VA_SEARCH_PATH_INTERVAL_MS: '0' },
    });
  });

  after(async () => {
    await pub?.close();
    await service?.stop();
    await nats?.dispose();
    await node?.dispose();
  });

  it('pauses, reports not ready, resumes, and indexes every message exactly once', async () => {
    const total = 600;
    let published = 0;
    const publishSome = async (n: number) => {
      for (let i = 0; i < n && published < total; i++, published++) {
        const seq = published;
        // Every third message is a track update (one track point each); the rest are events.
        if (seq % 3 === 0)
          await publish.tracks(
            pub,
            trackUpdate(camera, seq, t0 + seq, [
              { trackId: `t${seq % 7}`, score: 0.5, firstSeenTsMs: t0, lastSeenTsMs: t0 + seq },
            ]),
          );
        else
          await publish.event(
            pub,
            trackEvent(camera, `t${seq % 7}`, TrackEventType.TRACK_EVENT_TYPE_ZONE_ENTER, t0 + seq, {
              eventId: `ev-${seq}`,
            }),
          );
        await sleep(2);
      }
    };
    const es = esClient(node.url);
    await publishSome(150);
    await waitFor(async () => (await countDocs(es, prefix, 'track-events')) > 0, {
      timeoutMs: 30_000,
      what: 'indexing under way',
    });

    await node.stop();
    await publishSome(300);
    const down = await waitFor(
      async () => {
        const r = await service.readyz();
        return r.status === 503 ? r : undefined;
      },
      { timeoutMs: 30_000, what: 'readiness to report the outage' },
    );
    assert.ok(
      down.body.reasons.some((r) => r.includes('Elasticsearch unavailable')),
      JSON.stringify(down.body),
    );
    const metricsDown = await service.metrics();
    assert.equal(metricValue(metricsDown, 'va_search_elasticsearch_up'), 0);

    await node.start();
    await publishSome(total);
    assert.equal(published, total);

    const expectedEvents = Array.from({ length: total }, (_, s) => s).filter((s) => s % 3 !== 0).length;
    const expectedPoints = total - expectedEvents;
    await waitFor(
      async () =>
        (await countDocs(es, prefix, 'track-events')) === expectedEvents &&
        (await countDocs(es, prefix, 'tracks')) === expectedPoints,
      {
        timeoutMs: 120_000,
        intervalMs: 500,
        what: 'every message indexed after the outage',
      },
    );
    await waitFor(async () => (await service.readyz()).status === 200, { timeoutMs: 30_000, what: 'ready again' });
    // Exactly once: each expected id is there, and nothing else.
    const ids = Array.from({ length: total }, (_, s) => s)
      .filter((s) => s % 3 !== 0)
      .map((s) => `ev-${s}`);
    assert.equal(await countDocs(es, prefix, 'track-events', { ids: { values: ids } }), expectedEvents);
    await sleep(500);
    assert.equal(await countDocs(es, prefix, 'track-events'), expectedEvents);
    assert.equal(await countDocs(es, prefix, 'tracks'), expectedPoints);

    await waitFor(
      async () => {
        const text = await service.metrics();
        return (
          metricValue(text, 'va_search_unacked_messages') === 0 &&
          metricValue(text, 'va_search_consumer_lag_messages') === 0
        );
      },
      { timeoutMs: 30_000, what: 'all messages acked' },
    );
    const text = await service.metrics();
    assert.ok(
      metricValue(text, 'va_search_bulk_failures_total') > 0,
      'bulk requests failed during the outage and were retried',
    );
    assert.equal(metricValue(text, 'va_search_dead_letters_total'), 0, 'an outage dead-letters nothing');
    assert.equal(metricValue(text, 'va_search_elasticsearch_up'), 1);
    await es.close();
  });
});
