import type { Client, estypes } from '@elastic/elasticsearch';
import type { SearchEventsRequest, SearchEventsResponse } from '@va/proto/va/search/v1/search';
import type { QueryConfig } from '../config.js';
import { trackEventFromDoc } from '../documents/track-events.js';
import type { IndexNames } from '../indices/index-names.js';
import type { CameraDirectory } from './camera-directory.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { checkId, eventTypeNames, filterClauses, pageSize, validateFilter } from './query-filters.js';

/** SearchEvents: track events by camera, class, time, type and track, newest (or oldest) first, paged with search_after. */
export class EventSearch {
  constructor(
    private readonly deps: {
      client: Client;
      names: IndexNames;
      cameras: CameraDirectory | undefined;
      limits: QueryConfig;
    },
  ) {}

  async search(req: SearchEventsRequest, signal: AbortSignal): Promise<SearchEventsResponse> {
    const { client, names, limits } = this.deps;
    const size = pageSize(req.pageSize, limits.maxPageSize);
    const types = eventTypeNames(req.types);
    if (req.trackId !== '') checkId(req.trackId, 'track_id');
    // The token is bound to everything that selects or orders events (page size may change).
    const identity = { f: req.filter ?? null, t: types, id: req.trackId, o: req.oldestFirst };
    const after = decodePageToken(req.pageToken, identity);
    await validateFilter(req.filter, this.deps.cameras, signal);

    const filter = filterClauses(req.filter, { at: '@timestamp' });
    if (types.length > 0) filter.push({ terms: { type: types } });
    if (req.trackId !== '') filter.push({ term: { track_id: req.trackId } });
    const order = req.oldestFirst ? 'asc' : 'desc';
    const res = await client.search<Record<string, unknown>>(
      {
        index: names.alias('track-events'),
        ignore_unavailable: true,
        allow_no_indices: true,
        query: { bool: { filter } },
        sort: [{ '@timestamp': { order } }, { event_id: { order: 'asc' } }],
        // One more than a page tells whether another page exists.
        size: size + 1,
        track_total_hits: true,
        ...(after ? { search_after: after as estypes.SortResults } : {}),
      },
      { signal, requestTimeout: limits.queryTimeoutMs },
    );
    const hits = res.hits.hits;
    const page = hits.slice(0, size);
    const last = page[page.length - 1];
    const total = typeof res.hits.total === 'number' ? res.hits.total : (res.hits.total?.value ?? 0);
    return {
      events: page.map((h) => trackEventFromDoc(h._source ?? {})),
      nextPageToken: hits.length > size && last?.sort ? encodePageToken(identity, last.sort as never) : '',
      total,
    };
  }
}
