import { mapElasticsearchError, type AsyncService, type MethodRoles } from '@va/common';
import type { SearchServiceService } from '@va/proto/va/search/v1/search';
import type { SearchMetrics } from '../metrics.js';
import type { EventSearch } from './event-search.js';
import type { EventWatch } from './event-watch.js';
import type { SimilarSearch } from './similar-search.js';
import type { TrackLookup } from './track-lookup.js';

export interface SearchServiceParts {
  similar: SimilarSearch;
  events: EventSearch;
  tracks: TrackLookup;
  watch: EventWatch;
  metrics: SearchMetrics;
}

/** Everything in va.search.v1.SearchService is for viewers: it only reads. */
export const SEARCH_ROLES: MethodRoles<typeof SearchServiceService> = {
  searchSimilar: 'viewer',
  searchEvents: 'viewer',
  getTrack: 'viewer',
  watchEvents: 'viewer',
};

/** va.search.v1.SearchService: each method timed, Elasticsearch outages answered UNAVAILABLE. */
export function searchService(parts: SearchServiceParts): AsyncService<typeof SearchServiceService> {
  const timed = <T>(method: string, run: () => Promise<T>): Promise<T> => {
    const end = parts.metrics.queryDuration.startTimer({ method });
    return run().then(
      (value) => {
        end({ outcome: 'ok' });
        return value;
      },
      (err: unknown) => {
        const mapped = mapElasticsearchError(err, method);
        end({ outcome: (mapped as { code?: string }).code?.toLowerCase() ?? 'error' });
        throw mapped;
      },
    );
  };
  return {
    searchSimilar: (req, ctx) => timed('SearchSimilar', () => parts.similar.search(req, ctx.signal)),
    searchEvents: (req, ctx) => timed('SearchEvents', () => parts.events.search(req, ctx.signal)),
    getTrack: (req, ctx) => timed('GetTrack', () => parts.tracks.get(req, ctx.signal)),
    watchEvents: (req, sink) => parts.watch.watch(req, sink),
  };
}
