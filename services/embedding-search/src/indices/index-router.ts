import type { SearchMetrics } from '../metrics.js';
import { retentionCutoff, type IndexKind, type IndexNames } from './index-names.js';

/**
 * Picks the daily index of a document from its event time, and refuses documents whose day is
 * already past the retention of that kind: they would land in an index the retention sweeper
 * deletes on its next pass (replays of old footage, producers with a wrong clock). Those are
 * counted in va_search_expired_documents_total, not indexed (their messages are acked).
 */
export class IndexRouter {
  constructor(
    readonly names: IndexNames,
    private readonly retentionDays: Record<IndexKind, number>,
    private readonly metrics: SearchMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** The concrete index, or undefined (counted) when the document has already expired. */
  route(kind: IndexKind, tsMs: number): string | undefined {
    if (tsMs < retentionCutoff(this.now(), this.retentionDays[kind])) {
      this.metrics.expiredDocs.inc({ index: kind });
      return undefined;
    }
    return this.names.daily(kind, tsMs);
  }
}
