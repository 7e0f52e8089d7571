import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { codecs, subjects, type NatsConnectionHandle } from '@va/common';
import { countDocs, esClient, uniquePrefix } from '@va/harness/elasticsearch';
import { detectionBatch, flag, publish, review, trackEvent, trackUpdate } from '@va/harness/pipeline-messages';
import { waitFor } from '@va/harness/ports';
import { metricValue, type RunningSearchService } from '@va/harness/search-service';
import { startSearchTestBed, type SearchTestBed } from '@va/harness/search-test-bed';

const KINDS = ['detections', 'tracks', 'track-events', 'embeddings', 'flags', 'reviews', 'dead-letters'];

function unitVector(seed: number): number[] {
  const v = Array.from({ length: 512 }, (_, i) => Math.sin(seed * 7.1 + i * 0.37));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

async function source(
  client: Client,
  prefix: string,
  kind: string,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  await client.indices.refresh({ index: `${prefix}-${kind}`, ignore_unavailable: true, allow_no_indices: true });
  const res = await client.search<Record<string, unknown>>({
    index: `${prefix}-${kind}`,
    query: { ids: { values: [id] } },
    ignore_unavailable: true,
    allow_no_indices: true,
  });
  return res.hits.hits[0]?._source;
}

describe('indexing round trip: every kind from JetStream into Elasticsearch (real NATS, real Elasticsearch)', () => {
  const prefix = uniquePrefix('roundtrip');
  const es = esClient();
  let bed: SearchTestBed;
  let pub: NatsConnectionHandle;
  let service: RunningSearchService;
  const t0 = Date.now() - 60_000;

  before(async () => {
    // Per-frame detection documents are opt-in per camera: cam-rt's are indexed, cam-late's are not.
    bed = await startSearchTestBed({ prefix, es, env: { VA_SEARCH_INDEX_DETECTIONS: 'cam-rt' } });
    ({ pub, service } = bed);
  });

  after(() => bed?.dispose());

  it('declares a template, daily indices and an alias per kind, idempotently', async () => {
    const templates = await es.indices.getIndexTemplate({ name: `${prefix}-*` });
    assert.deepEqual(templates.index_templates.map((t) => t.name).sort(), KINDS.map((k) => `${prefix}-${k}`).sort());
    const embeddings = templates.index_templates.find((t) => t.name === `${prefix}-embeddings`)?.index_template;
    assert.deepEqual(embeddings?.index_patterns, [`${prefix}-embeddings-*`]);
    assert.ok(embeddings?.template?.aliases?.[`${prefix}-embeddings`]);
    const vector = embeddings?.template?.mappings?.properties?.embedding as Record<string, unknown>;
    assert.equal(vector.type, 'dense_vector');
    assert.equal(vector.dims, 512);
    assert.equal(vector.similarity, 'cosine');
    assert.deepEqual(vector.index_options, { type: 'hnsw', m: 16, ef_construction: 100 });
  });

  it('indexes detections, track points, events, flags and reviews with their fields', async () => {
    const cam = 'cam-rt';
    await publish.detections(
      pub,
      detectionBatch(cam, 1, t0, [
        {
          box: { x1: 10, y1: 20, x2: 50, y2: 120 },
          score: 0.91,
          classId: 0,
          className: 'person',
          embedding: unitVector(1),
        },
        { box: { x1: 300, y1: 40, x2: 420, y2: 110 }, score: 0.77, classId: 2, className: 'car' },
      ]),
    );
    await publish.tracks(
      pub,
      trackUpdate(cam, 1, t0, [
        {
          trackId: 't1',
          box: { x1: 11, y1: 21, x2: 51, y2: 121 },
          score: 0.91,
          hits: 3,
          age: 3,
          detectionIndex: 0,
          firstSeenTsMs: t0 - 200,
          lastSeenTsMs: t0,
          pathLengthPx: 42,
        },
      ]),
    );
    await publish.event(
      pub,
      trackEvent(cam, 't1', TrackEventType.TRACK_EVENT_TYPE_LINE_CROSS, t0, { lineId: 'door', direction: 'in' }),
    );
    await publish.event(
      pub,
      trackEvent(cam, 't0', TrackEventType.TRACK_EVENT_TYPE_ENDED, t0, {
        eventId: 'ended-t0',
        reason: 'expired',
        durationMs: 4_000,
        pathLengthPx: 120.5,
      }),
    );
    await publish.flag(pub, flag(cam, 'flag-1', t0));
    await publish.review(pub, review(cam, 'flag-1', t0 + 5_000));

    await waitFor(
      async () => (await countDocs(es, prefix, 'reviews')) === 1 && (await countDocs(es, prefix, 'embeddings')) === 1,
      { timeoutMs: 30_000, what: 'documents indexed' },
    );
    const day = (ts: number) => new Date(ts).toISOString().slice(0, 10).replace(/-/g, '.');

    const det = await source(es, prefix, 'detections', `${cam}:e1:1`);
    assert.equal(det?.count, 2);
    assert.deepEqual(det?.class_names, ['person', 'car']);
    assert.equal(det?.['@timestamp'], t0);
    assert.deepEqual((det?.detections as Array<Record<string, unknown>>)[1], {
      class_id: 2,
      class_name: 'car',
      score: 0.7699999809265137,
      box: { x1: 300, y1: 40, x2: 420, y2: 110 },
      has_embedding: false,
    });

    const point = await source(es, prefix, 'tracks', `${cam}:e1:1:t1`);
    assert.equal(point?.track_id, 't1');
    assert.equal(point?.state, 'confirmed');
    assert.equal(point?.detection_index, 0);
    assert.equal(point?.path_length_px, 42);

    const event = await source(es, prefix, 'track-events', `${cam}:t1:TRACK_EVENT_TYPE_LINE_CROSS:${t0}`);
    assert.equal(event?.type, 'line_cross');
    assert.equal(event?.line_id, 'door');
    const ended = await source(es, prefix, 'track-events', 'ended-t0');
    assert.deepEqual(
      [ended?.type, ended?.reason, ended?.duration_ms, ended?.path_length_px],
      ['ended', 'expired', 4_000, 120.5],
    );

    const f = await source(es, prefix, 'flags', 'flag-1');
    assert.equal(f?.severity, 'act_today');
    assert.equal(f?.review_status, 'pending');
    assert.deepEqual(f?.evidence, { flips: 2, 'score.before': 0.81 });
    assert.deepEqual(f?.class_names, ['person', 'car']);
    assert.equal(f?.subject, 't1');

    const r = await source(es, prefix, 'reviews', 'review-flag-1-1');
    assert.equal(r?.decision, 'confirmed');
    assert.equal(r?.revision, 1);
    assert.equal(r?.flag_id, 'flag-1');

    // One representative embedding per track, in the index of the day the track started.
    const summary = await es.search<Record<string, unknown>>({
      index: `${prefix}-embeddings`,
      query: { ids: { values: [`${cam}/t1`] } },
    });
    const hit = summary.hits.hits[0];
    assert.equal(hit?._index, `${prefix}-embeddings-${day(t0 - 200)}`);
    assert.equal(hit?._source?.has_embedding, true);
    // Synthetic source gives dates back as epoch-millisecond strings; the service reads them with Number().
    assert.equal(Number(hit?._source?.first_seen_ts), t0 - 200);
    assert.equal((hit?._source?.embedding as number[]).length, 512);
    // Synthetic source (the default): the vector is rebuilt from the index, as float32, not kept twice.
    const settings = await es.indices.getSettings({ index: hit?._index as string, flat_settings: true });
    assert.equal(Object.values(settings)[0]?.settings?.['index.mapping.source.mode'], 'synthetic');
    const sent = Float32Array.from(unitVector(1));
    const worst = Math.max(...(hit?._source?.embedding as number[]).map((v, i) => Math.abs(v - (sent[i] as number))));
    assert.ok(worst < 1e-6, `the stored embedding reads back as sent (largest difference ${worst})`);
    assert.equal(
      Math.fround(Number(hit?._source?.best_score)),
      Math.fround(0.91),
      'a float field reads back at float precision',
    );
    assert.equal(hit?._index.startsWith(`${prefix}-embeddings-`), true);
  });

  it('joins a track update that arrives before its detections', async () => {
    const cam = 'cam-late';
    await publish.tracks(
      pub,
      trackUpdate(cam, 5, t0, [
        { trackId: 'early', detectionIndex: 0, score: 0.8, firstSeenTsMs: t0, lastSeenTsMs: t0 },
      ]),
    );
    await waitFor(async () => (await source(es, prefix, 'embeddings', `${cam}/early`))?.has_embedding === false, {
      timeoutMs: 20_000,
      what: 'summary without embedding',
    });
    await publish.detections(
      pub,
      detectionBatch(cam, 5, t0, [
        { box: { x1: 1, y1: 1, x2: 20, y2: 60 }, score: 0.8, className: 'person', embedding: unitVector(2) },
      ]),
    );
    const doc = await waitFor(
      async () => {
        const d = await source(es, prefix, 'embeddings', `${cam}/early`);
        return d?.has_embedding === true ? d : undefined;
      },
      { timeoutMs: 20_000, what: 'late embedding joined' },
    );
    assert.equal(doc.best_sequence, 5);
    // cam-late is not opted in: its batch fed the summary's embedding but left no detection document.
    await waitFor(
      async () => metricValue(await service.metrics(), 'va_search_detection_batches_not_indexed_total') === 1,
      { timeoutMs: 20_000, what: 'batch counted as not indexed' },
    );
    assert.equal(await source(es, prefix, 'detections', `${cam}:e1:5`), undefined);
  });

  it('never duplicates: redelivered messages and a restarted service overwrite the same documents', async () => {
    const before = await Promise.all(KINDS.map((k) => countDocs(es, prefix, k)));
    await bed.service.stop();
    // The same messages again under new msgIDs while the service is down: JetStream stores them,
    // and the restarted indexer sees them a second time.
    const cam = 'cam-rt';
    const again = detectionBatch(cam, 1, t0, [
      {
        box: { x1: 10, y1: 20, x2: 50, y2: 120 },
        score: 0.91,
        classId: 0,
        className: 'person',
        embedding: unitVector(1),
      },
    ]);
    await pub.js.publish(subjects.detections(cam), codecs.detectionBatch.encode(again), { msgID: 'replay-1' });
    await pub.js.publish(subjects.flags(cam), codecs.flag.encode(flag(cam, 'flag-1', t0)), { msgID: 'replay-2' });
    service = await bed.restartService();
    await waitFor(
      async () =>
        metricValue(await service.metrics(), 'va_search_indexed_documents_total', {
          index: 'flags',
          result: 'updated',
        }) >= 1,
      { timeoutMs: 20_000, what: 'replay indexed' },
    );
    const afterCounts = await Promise.all(KINDS.map((k) => countDocs(es, prefix, k)));
    assert.deepEqual(afterCounts, before);
    const text = await service.metrics();
    assert.equal(
      metricValue(text, 'va_search_dead_letters_total', { index: 'flags', reason: 'document_parsing_exception' }),
      0,
    );
    await waitFor(
      async () =>
        metricValue(await service.metrics(), 'va_search_consumer_lag_messages', {
          consumer: 'embedding-search-flags',
        }) === 0 && metricValue(await service.metrics(), 'va_search_unacked_messages') === 0,
      {
        timeoutMs: 20_000,
        what: 'everything acked',
      },
    );
  });
});
