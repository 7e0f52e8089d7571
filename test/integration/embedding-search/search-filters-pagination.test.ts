import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { unary, type NatsConnectionHandle } from '@va/common';
import { TrackEventType, type TrackEvent } from '@va/proto/va/common/v1/track';
import type { SearchEventsRequest, SearchServiceClient } from '@va/proto/va/search/v1/search';
import { countDocs, esClient, uniquePrefix } from '@va/harness/elasticsearch';
import { publish, trackEvent, trackUpdate } from '@va/harness/pipeline-messages';
import { waitFor } from '@va/harness/ports';
import { type RunningSearchService } from '@va/harness/search-service';
import { startSearchTestBed, type SearchTestBed } from '@va/harness/search-test-bed';

const CAMERAS = ['cam-f1', 'cam-f2', 'cam-f3'];
const TYPES = [
  TrackEventType.TRACK_EVENT_TYPE_STARTED,
  TrackEventType.TRACK_EVENT_TYPE_LOST,
  TrackEventType.TRACK_EVENT_TYPE_ENDED,
];

describe('SearchEvents and GetTrack: filters and pagination with search_after', () => {
  const prefix = uniquePrefix('filters');
  const es = esClient();
  const t0 = Date.now() - 7_200_000;
  const events: TrackEvent[] = [];
  let bed: SearchTestBed;
  let pub: NatsConnectionHandle;
  let service: RunningSearchService;
  let client: SearchServiceClient;

  const search = (req: Partial<SearchEventsRequest>) =>
    unary(client.searchEvents.bind(client), {
      filter: undefined,
      types: [],
      trackId: '',
      pageSize: 0,
      pageToken: '',
      oldestFirst: false,
      ...req,
    });

  /** Every page of a query, following next_page_token. */
  async function allPages(
    req: Partial<SearchEventsRequest>,
  ): Promise<{ pages: number; events: TrackEvent[]; total: number }> {
    const out: TrackEvent[] = [];
    let token = '';
    let pages = 0;
    let total = 0;
    do {
      const res = await search({ ...req, pageToken: token });
      pages++;
      total = res.total;
      out.push(...res.events);
      token = res.nextPageToken;
      assert.ok(pages < 100, 'paging ends');
    } while (token !== '');
    return { pages, events: out, total };
  }

  before(async () => {
    bed = await startSearchTestBed({ prefix, es });
    ({ pub, service } = bed);
    client = service.client();
    // 90 events: 3 cameras x 30, alternating classes and types, one second apart. Two events share a timestamp to test the tie-breaker.
    for (let i = 0; i < 90; i++) {
      const camera = CAMERAS[i % 3] as string;
      const e = trackEvent(camera, `t${i % 10}`, TYPES[i % 3] as TrackEventType, t0 + Math.min(i, 88) * 1_000, {
        eventId: `f-${String(i).padStart(3, '0')}`,
        className: i % 2 === 0 ? 'person' : 'car',
      });
      events.push(e);
      await publish.event(pub, e);
    }
    // One track seen in 49 frames at 2 fps: its path is sampled at the default one point per second, 25 points (the even frames).
    for (let seq = 0; seq < 49; seq++) {
      await publish.tracks(
        pub,
        trackUpdate('cam-f1', seq, t0 + seq * 500, [
          {
            trackId: 'walker',
            box: { x1: seq, y1: 10, x2: seq + 20, y2: 60 },
            score: 0.8,
            hits: seq + 1,
            detectionIndex: 0,
            firstSeenTsMs: t0,
            lastSeenTsMs: t0 + seq * 500,
          },
        ]),
      );
    }
    await waitFor(
      async () =>
        (await countDocs(es, prefix, 'track-events')) === 90 && (await countDocs(es, prefix, 'tracks')) === 25,
      { timeoutMs: 30_000, what: 'events and path indexed' },
    );
  });

  after(() => bed?.dispose());

  it('pages through everything, newest first, without gaps or repeats', async () => {
    const { pages, events: got, total } = await allPages({ pageSize: 7 });
    assert.equal(total, 90);
    assert.equal(pages, 13);
    assert.equal(got.length, 90);
    assert.equal(new Set(got.map((e) => e.eventId)).size, 90);
    for (let i = 1; i < got.length; i++)
      assert.ok((got[i - 1] as TrackEvent).tsMs >= (got[i] as TrackEvent).tsMs, 'newest first');
    const oldest = await allPages({ pageSize: 25, oldestFirst: true });
    assert.deepEqual(
      oldest.events.map((e) => e.eventId),
      [...got]
        .reverse()
        .map((e) => e.eventId)
        .sort((a, b) => {
          const ea = events.find((e) => e.eventId === a) as TrackEvent;
          const eb = events.find((e) => e.eventId === b) as TrackEvent;
          return ea.tsMs - eb.tsMs || a.localeCompare(b);
        }),
    );
    assert.deepEqual(got[0], {
      ...events.find((e) => e.eventId === got[0]?.eventId),
      lineId: '',
      zoneId: '',
      direction: '',
      durationMs: 0,
      pathLengthPx: 0,
    });
  });

  it('filters by camera, class, time range, type and track', async () => {
    const expect = (pred: (e: TrackEvent) => boolean) =>
      events
        .filter(pred)
        .map((e) => e.eventId)
        .sort();
    const ids = async (req: Partial<SearchEventsRequest>) =>
      (await allPages({ ...req, pageSize: 500 })).events.map((e) => e.eventId).sort();

    assert.deepEqual(
      await ids({ filter: { cameraIds: ['cam-f2'], classNames: [], timeRange: undefined } }),
      expect((e) => e.cameraId === 'cam-f2'),
    );
    assert.deepEqual(
      await ids({ filter: { cameraIds: ['cam-f1', 'cam-f3'], classNames: ['car'], timeRange: undefined } }),
      expect((e) => e.cameraId !== 'cam-f2' && e.className === 'car'),
    );
    const range = { fromMs: t0 + 10_000, toMs: t0 + 19_000 };
    assert.deepEqual(
      await ids({ filter: { cameraIds: [], classNames: [], timeRange: range } }),
      expect((e) => e.tsMs >= range.fromMs && e.tsMs <= range.toMs),
    );
    assert.deepEqual(
      await ids({ filter: { cameraIds: [], classNames: [], timeRange: { fromMs: t0 + 80_000, toMs: 0 } } }),
      expect((e) => e.tsMs >= t0 + 80_000),
    );
    assert.deepEqual(
      await ids({ types: [TrackEventType.TRACK_EVENT_TYPE_LOST, TrackEventType.TRACK_EVENT_TYPE_ENDED] }),
      expect((e) => e.type !== TrackEventType.TRACK_EVENT_TYPE_STARTED),
    );
    assert.deepEqual(
      await ids({ trackId: 't3' }),
      expect((e) => e.trackId === 't3'),
    );
    const combined = await allPages({
      filter: { cameraIds: ['cam-f1'], classNames: ['person'], timeRange: range },
      types: [TrackEventType.TRACK_EVENT_TYPE_STARTED],
      pageSize: 2,
    });
    assert.deepEqual(
      combined.events.map((e) => e.eventId).sort(),
      expect(
        (e) =>
          e.cameraId === 'cam-f1' &&
          e.className === 'person' &&
          e.tsMs >= range.fromMs &&
          e.tsMs <= range.toMs &&
          e.type === TrackEventType.TRACK_EVENT_TYPE_STARTED,
      ),
    );
    assert.equal(combined.total, combined.events.length);
  });

  it('GetTrack returns the summary, its events and its path (sampled: one point per second) page by page in frame order', async () => {
    const get = (pageToken: string) =>
      unary(client.getTrack.bind(client), { cameraId: 'cam-f1', trackId: 'walker', pageSize: 10, pageToken });
    const first = await get('');
    assert.equal(first.track?.trackId, 'walker');
    assert.equal(first.track?.cameraId, 'cam-f1');
    assert.equal(first.track?.firstSeenTsMs, t0);
    assert.equal(first.track?.hasEmbedding, false);
    assert.deepEqual(
      first.path.map((p) => p.sequence),
      [0, 2, 4, 6, 8, 10, 12, 14, 16, 18],
    );
    assert.deepEqual(first.path[3]?.box, { x1: 6, y1: 10, x2: 26, y2: 60 });
    const second = await get(first.nextPageToken);
    assert.deepEqual(
      second.path.map((p) => p.sequence),
      [20, 22, 24, 26, 28, 30, 32, 34, 36, 38],
    );
    const third = await get(second.nextPageToken);
    assert.deepEqual(
      third.path.map((p) => p.sequence),
      [40, 42, 44, 46, 48],
    );
    assert.equal(third.nextPageToken, '');

    const withEvents = await unary(client.getTrack.bind(client), {
      cameraId: 'cam-f1',
      trackId: 't0',
      pageSize: 0,
      pageToken: '',
    });
    assert.deepEqual(
      withEvents.events.map((e) => e.eventId),
      events.filter((e) => e.cameraId === 'cam-f1' && e.trackId === 't0').map((e) => e.eventId),
    );
  });
});
