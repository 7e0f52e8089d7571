import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnectionHandle } from '@va/common';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { countDocs, esClient, uniquePrefix } from '@va/harness/elasticsearch';
import { publish, trackEvent } from '@va/harness/pipeline-messages';
import { waitFor } from '@va/harness/ports';
import { metricValue, type RunningSearchService } from '@va/harness/search-service';
import { startSearchTestBed, type SearchTestBed } from '@va/harness/search-test-bed';

const DAY = 86_400_000;
const dayName = (ts: number) => new Date(ts).toISOString().slice(0, 10).replace(/-/g, '.');

/**
 * Time-based retention without ILM: daily indices older than their kind's retention are deleted by
 * the service's sweeper, and documents already past retention are not indexed (counted instead).
 */
describe('retention of daily indices', () => {
  const prefix = uniquePrefix('retention');
  const es = esClient();
  const now = Date.now();
  let bed: SearchTestBed;
  let pub: NatsConnectionHandle;
  let service: RunningSearchService;

  before(async () => {
    bed = await startSearchTestBed({
      prefix,
      es,
      env: {
        VA_SEARCH_RETENTION_DAYS: '30',
        VA_SEARCH_RETENTION_DAYS_DETECTIONS: '7',
        VA_SEARCH_RETENTION_DAYS_TRACK_EVENTS: '3',
      },
      beforeService: async () => {
        for (const name of [
          `${prefix}-detections-${dayName(now - 10 * DAY)}`,
          `${prefix}-detections-${dayName(now - 2 * DAY)}`,
          `${prefix}-detections-keep-me`,
          `${prefix}-flags-${dayName(now - 40 * DAY)}`,
        ]) {
          await es.indices.create({ index: name });
        }
      },
    });
    ({ pub, service } = bed);
  });

  after(() => bed?.dispose());

  it("deletes the daily indices past their kind's retention and nothing else", async () => {
    const exists = async (name: string) => es.indices.exists({ index: name });
    await waitFor(async () => !(await exists(`${prefix}-detections-${dayName(now - 10 * DAY)}`)), {
      timeoutMs: 30_000,
      what: 'expired detections index deleted',
    });
    assert.equal(await exists(`${prefix}-flags-${dayName(now - 40 * DAY)}`), false);
    assert.equal(await exists(`${prefix}-detections-${dayName(now - 2 * DAY)}`), true, 'within 7 days');
    assert.equal(await exists(`${prefix}-detections-keep-me`), true, 'not a daily index name');
    assert.equal(
      metricValue(await service.metrics(), 'va_search_retention_deleted_indices_total', { index: 'detections' }),
      1,
    );
  });

  it('does not index documents that are already past retention, and acks them', async () => {
    await publish.event(
      pub,
      trackEvent('cam-r', 'old', TrackEventType.TRACK_EVENT_TYPE_STARTED, now - 5 * DAY, { eventId: 'too-old' }),
    );
    await publish.event(
      pub,
      trackEvent('cam-r', 'new', TrackEventType.TRACK_EVENT_TYPE_STARTED, now - 1 * DAY, { eventId: 'recent' }),
    );
    await waitFor(async () => (await countDocs(es, prefix, 'track-events')) === 1, {
      timeoutMs: 20_000,
      what: 'the recent event indexed',
    });
    await waitFor(
      async () =>
        metricValue(await service.metrics(), 'va_search_expired_documents_total', { index: 'track-events' }) === 1,
      { timeoutMs: 20_000, what: 'the old one counted' },
    );
    await waitFor(
      async () =>
        metricValue(await service.metrics(), 'va_search_consumer_lag_messages', {
          consumer: 'embedding-search-track-events',
        }) === 0,
      { timeoutMs: 20_000, what: 'both acked' },
    );
    assert.equal(metricValue(await service.metrics(), 'va_search_dead_letters_total'), 0);
  });
});
