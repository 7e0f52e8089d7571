import { z } from 'zod';
import {
  ConfigError,
  bool,
  int,
  isCameraId,
  loadBaseConfig,
  loadElasticsearchConfig,
  loadGrpcClientConfig,
  loadGrpcServerConfig,
  loadNatsConfig,
  loadPieces,
  oneOf,
  parseEnv,
  type Env,
} from '@va/common';
import { INDEX_KINDS, type IndexKind } from './indices/index-names.js';

export const DEFAULT_GRPC_PORT = 50054;
export const DEFAULT_HTTP_PORT = 9464;
const MB = 1024 * 1024;

const retentionKey = (kind: IndexKind) => `VA_SEARCH_RETENTION_DAYS_${kind.toUpperCase().replace(/-/g, '_')}`;

/** Every key this service adds to the shared pieces; README.md documents each. */
export const searchEnv = {
  // Indices
  VA_SEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be lowercase letters, digits, _ or -, starting with a letter')
    .default('va'),
  VA_SEARCH_RETENTION_DAYS: int(30, 1, 3650),
  ...Object.fromEntries(INDEX_KINDS.map((k) => [retentionKey(k), int(undefined, 1, 3650).optional()])),
  VA_SEARCH_RETENTION_SWEEP_MINUTES: int(60, 1, 24 * 60),
  VA_SEARCH_SHARDS: int(1, 1, 64),
  VA_SEARCH_REPLICAS: int(0, 0, 5),
  VA_SEARCH_REFRESH_INTERVAL_MS: int(1_000, 100, 3_600_000),
  VA_SEARCH_EMBEDDING_DIMS: int(512, 2, 4096),
  VA_SEARCH_VECTOR_INDEX: oneOf(['hnsw', 'int8_hnsw'] as const, 'hnsw'),
  VA_SEARCH_HNSW_M: int(16, 2, 512),
  VA_SEARCH_HNSW_EF_CONSTRUCTION: int(100, 10, 3200),
  VA_SEARCH_EMBEDDINGS_SOURCE: oneOf(['stored', 'synthetic'] as const, 'synthetic'),
  // Indexer
  VA_SEARCH_CONSUMER_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,48}$/, 'must be letters, digits, _ or -')
    .default('embedding-search'),
  VA_SEARCH_BULK_MAX_DOCS: int(1_000, 1, 100_000),
  VA_SEARCH_BULK_MAX_BYTES: int(5 * MB, 1024, 100 * MB),
  VA_SEARCH_BULK_FLUSH_MS: int(1_000, 1, 60_000),
  VA_SEARCH_BULK_CONCURRENCY: int(2, 1, 16),
  VA_SEARCH_BUFFER_MAX_DOCS: int(20_000, 1, 1_000_000),
  VA_SEARCH_BUFFER_MAX_BYTES: int(64 * MB, 1024, 2048 * MB),
  VA_SEARCH_ITEM_MAX_RETRIES: int(8, 0, 1_000),
  VA_SEARCH_RETRY_BASE_MS: int(250, 1, 60_000),
  VA_SEARCH_RETRY_MAX_MS: int(30_000, 10, 600_000),
  VA_SEARCH_ACK_WAIT_MS: int(30_000, 1_000, 3_600_000),
  VA_SEARCH_MAX_ACK_PENDING: int(20_000, 1, 1_000_000),
  VA_SEARCH_PULL_BATCH: int(500, 1, 10_000),
  VA_SEARCH_SUMMARY_REFRESH_MS: int(5_000, 0, 3_600_000),
  VA_SEARCH_PATH_INTERVAL_MS: int(1_000, 0, 3_600_000),
  VA_SEARCH_INDEX_DETECTIONS: z
    .string()
    .refine(
      (v) => v === 'all' || v === 'none' || v.split(',').every(isCameraId),
      'must be all, none, or a comma-separated list of camera ids',
    )
    .default('none'),
  VA_SEARCH_JOIN_FRAMES_PER_CAMERA: int(150, 1, 100_000),
  VA_SEARCH_JOIN_MAX_CAMERAS: int(1_000, 1, 100_000),
  VA_SEARCH_MAX_ACTIVE_TRACKS: int(50_000, 10, 10_000_000),
  // Queries
  VA_SEARCH_MAX_K: int(100, 1, 10_000),
  VA_SEARCH_MAX_NUM_CANDIDATES: int(2_000, 1, 10_000),
  VA_SEARCH_MAX_PAGE_SIZE: int(500, 1, 10_000),
  VA_SEARCH_MAX_IMAGE_BYTES: int(8 * MB, 1024, 64 * MB),
  VA_SEARCH_EMBED_TIMEOUT_MS: int(5_000, 100, 120_000),
  VA_SEARCH_QUERY_TIMEOUT_MS: int(10_000, 100, 120_000),
  VA_SEARCH_WATCH_QUEUE: int(1_000, 1, 1_000_000),
  VA_SEARCH_VALIDATE_CAMERAS: bool(true),
};

export interface IndicesConfig {
  prefix: string;
  retentionDays: Record<IndexKind, number>;
  retentionSweepMs: number;
  shards: number;
  replicas: number;
  refreshIntervalMs: number;
  vector: { dims: number; type: 'hnsw' | 'int8_hnsw'; m: number; efConstruction: number };
  /** `_source` of the track summaries: stored as sent, or synthetic (rebuilt from the indexed fields; the vector is not kept twice). */
  embeddingsSource: 'stored' | 'synthetic';
}

export interface IndexerConfig {
  consumerName: string;
  bulk: { maxDocs: number; maxBytes: number; flushMs: number; concurrency: number };
  buffer: { maxDocs: number; maxBytes: number };
  retry: { maxItemRetries: number; baseMs: number; maxMs: number };
  consumer: { ackWaitMs: number; maxAckPending: number; pullBatch: number };
  embeddings: { refreshMs: number; joinFramesPerCamera: number; joinMaxCameras: number; maxActiveTracks: number };
  /** Track paths: a point per track at most every `pathIntervalMs` of capture time (0: every point). */
  pathIntervalMs: number;
  /** Cameras whose per-frame detection documents are indexed: 'all', or a set of camera ids (empty: none). */
  indexDetections: 'all' | ReadonlySet<string>;
}

export interface QueryConfig {
  maxK: number;
  maxNumCandidates: number;
  maxPageSize: number;
  maxImageBytes: number;
  embedTimeoutMs: number;
  queryTimeoutMs: number;
  watchQueue: number;
  /** Reject camera ids that were never indexed (INVALID_ARGUMENT) instead of returning nothing. */
  validateCameras: boolean;
}

export function loadSearchConfig(env: Env): { indices: IndicesConfig; indexer: IndexerConfig; query: QueryConfig } {
  const e = parseEnv(searchEnv, env) as Record<string, unknown> & ReturnType<typeof parseEnv<typeof searchEnv>>;
  if (e.VA_SEARCH_RETRY_BASE_MS > e.VA_SEARCH_RETRY_MAX_MS) {
    throw new ConfigError([{ key: 'VA_SEARCH_RETRY_BASE_MS', message: 'must not exceed VA_SEARCH_RETRY_MAX_MS' }]);
  }
  const retentionDays = Object.fromEntries(
    INDEX_KINDS.map((k) => [k, (e[retentionKey(k)] as number | undefined) ?? e.VA_SEARCH_RETENTION_DAYS]),
  ) as Record<IndexKind, number>;
  return {
    indices: {
      prefix: e.VA_SEARCH_INDEX_PREFIX,
      retentionDays,
      retentionSweepMs: e.VA_SEARCH_RETENTION_SWEEP_MINUTES * 60_000,
      shards: e.VA_SEARCH_SHARDS,
      replicas: e.VA_SEARCH_REPLICAS,
      refreshIntervalMs: e.VA_SEARCH_REFRESH_INTERVAL_MS,
      vector: {
        dims: e.VA_SEARCH_EMBEDDING_DIMS,
        type: e.VA_SEARCH_VECTOR_INDEX,
        m: e.VA_SEARCH_HNSW_M,
        efConstruction: e.VA_SEARCH_HNSW_EF_CONSTRUCTION,
      },
      embeddingsSource: e.VA_SEARCH_EMBEDDINGS_SOURCE,
    },
    indexer: {
      consumerName: e.VA_SEARCH_CONSUMER_NAME,
      bulk: {
        maxDocs: e.VA_SEARCH_BULK_MAX_DOCS,
        maxBytes: e.VA_SEARCH_BULK_MAX_BYTES,
        flushMs: e.VA_SEARCH_BULK_FLUSH_MS,
        concurrency: e.VA_SEARCH_BULK_CONCURRENCY,
      },
      buffer: { maxDocs: e.VA_SEARCH_BUFFER_MAX_DOCS, maxBytes: e.VA_SEARCH_BUFFER_MAX_BYTES },
      retry: {
        maxItemRetries: e.VA_SEARCH_ITEM_MAX_RETRIES,
        baseMs: e.VA_SEARCH_RETRY_BASE_MS,
        maxMs: e.VA_SEARCH_RETRY_MAX_MS,
      },
      consumer: {
        ackWaitMs: e.VA_SEARCH_ACK_WAIT_MS,
        maxAckPending: e.VA_SEARCH_MAX_ACK_PENDING,
        pullBatch: e.VA_SEARCH_PULL_BATCH,
      },
      embeddings: {
        refreshMs: e.VA_SEARCH_SUMMARY_REFRESH_MS,
        joinFramesPerCamera: e.VA_SEARCH_JOIN_FRAMES_PER_CAMERA,
        joinMaxCameras: e.VA_SEARCH_JOIN_MAX_CAMERAS,
        maxActiveTracks: e.VA_SEARCH_MAX_ACTIVE_TRACKS,
      },
      pathIntervalMs: e.VA_SEARCH_PATH_INTERVAL_MS,
      indexDetections: detectionCameras(e.VA_SEARCH_INDEX_DETECTIONS),
    },
    query: {
      maxK: e.VA_SEARCH_MAX_K,
      maxNumCandidates: e.VA_SEARCH_MAX_NUM_CANDIDATES,
      maxPageSize: e.VA_SEARCH_MAX_PAGE_SIZE,
      maxImageBytes: e.VA_SEARCH_MAX_IMAGE_BYTES,
      embedTimeoutMs: e.VA_SEARCH_EMBED_TIMEOUT_MS,
      queryTimeoutMs: e.VA_SEARCH_QUERY_TIMEOUT_MS,
      watchQueue: e.VA_SEARCH_WATCH_QUEUE,
      validateCameras: e.VA_SEARCH_VALIDATE_CAMERAS,
    },
  };
}

function detectionCameras(value: string): 'all' | ReadonlySet<string> {
  if (value === 'all') return 'all';
  return new Set(value === 'none' ? [] : value.split(','));
}

/** Everything embedding-search reads from the environment, validated at once. */
export function loadConfig(env: Env) {
  return loadPieces({
    base: () => loadBaseConfig(env, { httpPort: DEFAULT_HTTP_PORT }),
    nats: () => loadNatsConfig(env),
    grpc: () => loadGrpcServerConfig(env, { port: DEFAULT_GRPC_PORT }),
    elasticsearch: () => loadElasticsearchConfig(env),
    // SearchSimilar by image asks the inference service for the crop's embedding.
    inference: () => loadGrpcClientConfig(env, 'batching-inference', '127.0.0.1:50052'),
    search: () => loadSearchConfig(env),
  });
}

export type Config = ReturnType<typeof loadConfig>;
