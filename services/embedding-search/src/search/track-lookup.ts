import type { Client, estypes } from '@elastic/elasticsearch';
import { NotFoundError, assertCameraId } from '@va/common';
import type { GetTrackRequest, GetTrackResponse, TrackHit } from '@va/proto/va/search/v1/search';
import type { QueryConfig } from '../config.js';
import { trackEventFromDoc } from '../documents/track-events.js';
import { trackHitFromDoc } from '../documents/track-hits.js';
import { trackPointFromDoc } from '../documents/track-points.js';
import type { IndexNames } from '../indices/index-names.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { checkId, pageSize } from './query-filters.js';

const MAX_EVENTS = 100;

/** GetTrack: the track's summary, its events, and its path (one point per frame) paged with search_after. */
export class TrackLookup {
  constructor(private readonly deps: { client: Client; names: IndexNames; limits: QueryConfig }) {}

  async get(req: GetTrackRequest, signal: AbortSignal): Promise<GetTrackResponse> {
    const { client, names, limits } = this.deps;
    assertCameraId(req.cameraId);
    checkId(req.trackId, 'track_id');
    const size = pageSize(req.pageSize, limits.maxPageSize);
    const identity = { c: req.cameraId, t: req.trackId };
    const after = decodePageToken(req.pageToken, identity);
    const options = { signal, requestTimeout: limits.queryTimeoutMs };
    const ofTrack: estypes.QueryDslQueryContainer = {
      bool: { filter: [{ term: { camera_id: req.cameraId } }, { term: { track_id: req.trackId } }] },
    };
    const common = { ignore_unavailable: true, allow_no_indices: true, query: ofTrack };

    const [summary, events, path] = await Promise.all([
      client.search<Record<string, unknown>>(
        { index: names.alias('embeddings'), ...common, size: 1, _source: { excludes: ['embedding'] } },
        options,
      ),
      client.search<Record<string, unknown>>(
        {
          index: names.alias('track-events'),
          ...common,
          size: MAX_EVENTS,
          sort: [{ '@timestamp': 'asc' }, { event_id: 'asc' }],
        },
        options,
      ),
      client.search<Record<string, unknown>>(
        {
          index: names.alias('tracks'),
          ...common,
          size: size + 1,
          sort: [{ '@timestamp': 'asc' }, { sequence: 'asc' }],
          _source: [
            'sequence',
            '@timestamp',
            'box',
            'score',
            'class_id',
            'class_name',
            'first_seen_ts',
            'last_seen_ts',
            'hits',
            'stream_epoch',
          ],
          ...(after ? { search_after: after as estypes.SortResults } : {}),
        },
        options,
      ),
    ]);
    const summaryDoc = summary.hits.hits[0]?._source;
    const points = path.hits.hits;
    if (!summaryDoc && points.length === 0 && events.hits.hits.length === 0) {
      if (after) return { track: undefined, events: [], path: [], nextPageToken: '' };
      throw new NotFoundError(`track ${req.cameraId}/${req.trackId} is not indexed`);
    }
    const page = points.slice(0, size);
    const last = page[page.length - 1];
    return {
      track: summaryDoc ? trackHitFromDoc(summaryDoc) : fromPoint(req, points[0]?._source),
      events: events.hits.hits.map((h) => trackEventFromDoc(h._source ?? {})),
      path: page.map((h) => trackPointFromDoc(h._source ?? {})),
      nextPageToken: points.length > size && last?.sort ? encodePageToken(identity, last.sort as never) : '',
    };
  }
}

/** Without a summary document (not written yet), the first path point tells what is known. */
function fromPoint(req: GetTrackRequest, doc: Record<string, unknown> | undefined): TrackHit | undefined {
  if (!doc) return undefined;
  return trackHitFromDoc({ ...doc, camera_id: req.cameraId, track_id: req.trackId, has_embedding: false });
}
