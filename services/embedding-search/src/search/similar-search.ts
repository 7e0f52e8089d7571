import type { Client, estypes } from '@elastic/elasticsearch';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, isCameraId } from '@va/common';
import type { SearchSimilarRequest, SearchSimilarResponse } from '@va/proto/va/search/v1/search';
import type { QueryConfig } from '../config.js';
import { cosineFromScore, trackHitFromDoc } from '../documents/track-hits.js';
import type { IndexNames } from '../indices/index-names.js';
import type { CameraDirectory } from './camera-directory.js';
import type { Embedder } from './embedder.js';
import { checkId, filterClauses, validateFilter } from './query-filters.js';

export interface SimilarSearchDeps {
  client: Client;
  names: IndexNames;
  embedder: Embedder;
  cameras: CameraDirectory | undefined;
  limits: QueryConfig;
}

/** SearchSimilar: approximate kNN (HNSW, cosine) over the tracks' representative embeddings, filtered. */
export class SimilarSearch {
  constructor(private readonly deps: SimilarSearchDeps) {}

  async search(req: SearchSimilarRequest, signal: AbortSignal): Promise<SearchSimilarResponse> {
    const { limits, client, names } = this.deps;
    const k = req.k === 0 ? Math.min(10, limits.maxK) : req.k;
    if (k > limits.maxK) throw new InvalidArgumentError(`k must be 1..${limits.maxK}`, 'k');
    const numCandidates =
      req.numCandidates === 0 ? Math.min(limits.maxNumCandidates, Math.max(10 * k, 100)) : req.numCandidates;
    if (numCandidates < k || numCandidates > limits.maxNumCandidates) {
      throw new InvalidArgumentError(`num_candidates must be k..${limits.maxNumCandidates}`, 'num_candidates');
    }
    if (req.model.length > 256) throw new InvalidArgumentError('model name too long', 'model');
    const q = req.query;
    if (!q) throw new InvalidArgumentError('query must be an image or a track_ref', 'query');
    // Cheap checks first: a malformed track ref or filter never costs an embedding.
    const ref = q.$case === 'trackRef' ? parseTrackRef(q.trackRef) : undefined;
    await validateFilter(req.filter, this.deps.cameras, signal);

    let vector: number[];
    let embedder: SearchSimilarResponse['embedder'];
    const exclude: string[] = [];
    if (q.$case === 'image') {
      ({ vector, model: embedder } = await this.deps.embedder.embed(q.image, req.model, signal));
    } else {
      vector = await this.embeddingOf(ref as string, signal);
      exclude.push(ref as string);
    }
    const filter: estypes.QueryDslQueryContainer[] = filterClauses(req.filter, {
      from: 'first_seen_ts',
      to: 'last_seen_ts',
    });
    if (exclude.length > 0) filter.push({ bool: { must_not: { ids: { values: exclude } } } });
    const res = await client.search<Record<string, unknown>>(
      {
        index: names.alias('embeddings'),
        ignore_unavailable: true,
        allow_no_indices: true,
        knn: {
          field: 'embedding',
          query_vector: vector,
          k,
          num_candidates: numCandidates,
          ...(filter.length > 0 ? { filter } : {}),
        },
        size: k,
        _source: { excludes: ['embedding'] },
      },
      { signal, requestTimeout: limits.queryTimeoutMs },
    );
    return {
      hits: res.hits.hits.map((h) => trackHitFromDoc(h._source ?? {}, cosineFromScore(h._score))),
      embedder,
    };
  }

  private async embeddingOf(ref: string, signal: AbortSignal): Promise<number[]> {
    const res = await this.deps.client.search<Record<string, unknown>>(
      {
        index: this.deps.names.alias('embeddings'),
        ignore_unavailable: true,
        allow_no_indices: true,
        query: { ids: { values: [ref] } },
        size: 1,
        _source: ['embedding'],
      },
      { signal, requestTimeout: this.deps.limits.queryTimeoutMs },
    );
    const doc = res.hits.hits[0]?._source;
    if (!doc) throw new NotFoundError(`track ${ref} is not indexed`);
    const embedding = doc.embedding;
    if (!Array.isArray(embedding))
      throw new FailedPreconditionError(
        `track ${ref} has no embedding (its class is not embedded, or no crop was embedded yet)`,
      );
    return embedding as number[];
  }
}

/** "<camera_id>/<track_id>" */
export function parseTrackRef(ref: string): string {
  const slash = ref.indexOf('/');
  const camera = slash > 0 ? ref.slice(0, slash) : '';
  if (!isCameraId(camera)) throw new InvalidArgumentError('track_ref must be "<camera_id>/<track_id>"', 'track_ref');
  checkId(ref.slice(slash + 1), 'track_ref track id');
  return ref;
}
