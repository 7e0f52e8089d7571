import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codecs, STREAMS, subjects, type NatsConnectionHandle } from '@va/common';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { countDocs, esClient, uniquePrefix } from '@va/harness/elasticsearch';
import { publish, trackEvent } from '@va/harness/pipeline-messages';
import { waitFor } from '@va/harness/ports';
import { metricValue, type RunningSearchService } from '@va/harness/search-service';
import { startSearchTestBed, type SearchTestBed } from '@va/harness/search-test-bed';

/**
 * A document that does not fit its index's mapping is dead-lettered (a NATS subject with the
 * original bytes and the reason, and the dead-letters index), its message is acked, and the
 * documents around it are indexed. The conflict here is schema drift: today's track-events index
 * was created by an older schema in which track ids were numbers, so "17" still fits and "t-19"
 * does not.
 */
describe('a mapping conflict dead-letters that document and the rest continue', () => {
  const prefix = uniquePrefix('conflict');
  const es = esClient();
  const camera = 'cam-conflict';
  const now = Date.now();
  const today = `${prefix}-track-events-${new Date(now).toISOString().slice(0, 10).replace(/-/g, '.')}`;
  let bed: SearchTestBed;
  let pub: NatsConnectionHandle;
  let service: RunningSearchService;

  before(async () => {
    bed = await startSearchTestBed({
      prefix,
      es,
      beforeService: async () => {
        await es.indices.create({
          index: today,
          mappings: { properties: { track_id: { type: 'long' } } },
          aliases: { [`${prefix}-track-events`]: {} },
        });
      },
    });
    ({ pub, service } = bed);
  });

  after(() => bed?.dispose());

  it('indexes the documents that fit and dead-letters the one that does not', async () => {
    const ids = ['17', '18', 't-19', '20'];
    for (const [i, trackId] of ids.entries()) {
      await publish.event(
        pub,
        trackEvent(camera, trackId, TrackEventType.TRACK_EVENT_TYPE_STARTED, now + i, {
          eventId: `conflict-${trackId}`,
        }),
      );
    }
    await waitFor(
      async () =>
        (await countDocs(es, prefix, 'track-events')) === 3 && (await countDocs(es, prefix, 'dead-letters')) === 1,
      { timeoutMs: 30_000, what: 'three indexed, one dead-lettered' },
    );

    const dl = await es.search<Record<string, unknown>>({ index: `${prefix}-dead-letters` });
    const doc = dl.hits.hits[0]?._source ?? {};
    assert.equal(doc.kind, 'track-events');
    assert.equal(doc.doc_id, 'conflict-t-19');
    assert.equal(doc.target_index, today);
    assert.equal(doc.status, 400);
    assert.match(String(doc.error_type), /parsing_exception/);
    assert.match(String(doc.reason), /track_id/);
    assert.equal(JSON.parse(String(doc.document)).track_id, 't-19');
    assert.equal(doc.subject, subjects.trackEvents(camera));

    // The NATS copy: the original message bytes with the reason in headers.
    const jsm = pub.jsm;
    const stored = await jsm.streams.getMessage(STREAMS.deadLetters.name, {
      last_by_subj: subjects.deadLetter('search-track-events', camera),
    });
    const original = codecs.trackEvent.decode(stored.data);
    assert.equal(original.trackId, 't-19');
    assert.equal(stored.header.get('Va-Doc-Id'), 'conflict-t-19');
    assert.equal(stored.header.get('Va-Status'), '400');
    assert.match(stored.header.get('Va-Reason'), /track_id/);

    await waitFor(
      async () => {
        const text = await service.metrics();
        return (
          metricValue(text, 'va_search_unacked_messages') === 0 &&
          metricValue(text, 'va_search_consumer_lag_messages', { consumer: 'embedding-search-track-events' }) === 0
        );
      },
      { timeoutMs: 20_000, what: 'every message acked, the conflicting one included' },
    );
    const text = await service.metrics();
    assert.equal(metricValue(text, 'va_search_dead_letters_total'), 1);
    assert.equal(
      metricValue(text, 'va_search_indexed_documents_total', { index: 'track-events', result: 'created' }),
      3,
    );
  });
});
