import type { Client } from '@elastic/elasticsearch';
import { INDEX_KINDS, type IndexNames } from '../indices/index-names.js';

/**
 * The cameras anything was indexed for, so a query naming a camera that never produced data is
 * told so (INVALID_ARGUMENT) instead of getting an empty answer that looks like "nothing happened".
 * One terms aggregation over every alias, cached; a name not in the cache triggers a refresh (at
 * most one per `minRefreshMs`), so a camera indexed a moment ago is found.
 */
export class CameraDirectory {
  private known = new Set<string>();
  private fetchedAt = 0;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    private readonly names: IndexNames,
    private readonly options: { ttlMs?: number; minRefreshMs?: number; maxCameras?: number } = {},
  ) {}

  /** The ids among `cameras` that were never indexed. */
  async unknown(cameras: readonly string[], signal?: AbortSignal): Promise<string[]> {
    if (cameras.length === 0) return [];
    const ttl = this.options.ttlMs ?? 30_000;
    const minRefresh = this.options.minRefreshMs ?? 1_000;
    const age = Date.now() - this.fetchedAt;
    const missing = () => cameras.filter((c) => !this.known.has(c));
    if (age > ttl || (missing().length > 0 && age > minRefresh)) await this.refresh(signal);
    return missing();
  }

  private refresh(signal?: AbortSignal): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const res = await this.client.search(
          {
            index: INDEX_KINDS.filter((k) => k !== 'dead-letters').map((k) => this.names.alias(k)),
            size: 0,
            ignore_unavailable: true,
            allow_no_indices: true,
            aggs: { cameras: { terms: { field: 'camera_id', size: this.options.maxCameras ?? 10_000 } } },
          },
          signal ? { signal } : {},
        );
        const buckets = (res.aggregations?.cameras as { buckets?: Array<{ key: string }> } | undefined)?.buckets ?? [];
        this.known = new Set(buckets.map((b) => String(b.key)));
        this.fetchedAt = Date.now();
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
