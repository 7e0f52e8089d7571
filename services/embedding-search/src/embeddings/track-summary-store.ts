import type { Client } from '@elastic/elasticsearch';

/** A track summary document as stored, with the version Elasticsearch holds for it. */
export interface StoredSummary {
  source: Record<string, unknown>;
  version: number;
}

/** Reads summary documents back, so a restarted indexer continues a track instead of starting it over. */
export interface TrackSummaryStore {
  load(refs: ReadonlyArray<{ index: string; id: string }>): Promise<Map<string, StoredSummary>>;
}

/** mget by concrete daily index and id; a missing index (nothing written that day yet) is "not found". */
export function elasticsearchSummaryStore(client: Client): TrackSummaryStore {
  return {
    async load(refs) {
      const found = new Map<string, StoredSummary>();
      if (refs.length === 0) return found;
      const res = await client.mget<Record<string, unknown>>({
        docs: refs.map((r) => ({ _index: r.index, _id: r.id })),
      });
      for (const doc of res.docs) {
        if ('found' in doc && doc.found && doc._source)
          found.set(doc._id, { source: doc._source, version: doc._version ?? 0 });
        else if ('error' in doc && doc.error && doc.error.type !== 'index_not_found_exception') {
          throw new Error(`cannot read track summary ${doc._id}: ${doc.error.reason ?? doc.error.type}`);
        }
      }
      return found;
    },
  };
}
