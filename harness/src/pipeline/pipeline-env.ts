// The environment of each service for one pipeline on this machine, built from one settings
// object so every service agrees on NATS, Elasticsearch, tokens, ports and folders.
import { availableParallelism } from 'node:os';
import { tokenList, type AccessTokens } from './access-tokens.js';
import { natsIdentityEnv } from './nats-credentials.js';
import { SERVICE_NAMES, type ServiceName, type ServicePorts } from './service-catalog.js';

export interface PipelineSettings {
  natsUrl: string;
  /**
   * Passwords of the NATS users (harness/src/pipeline/nats-credentials.ts; the stack's .stack/nats):
   * each service connects as its own user. Without it the services connect anonymously.
   */
  natsCredentialsDir?: string;
  esUrl: string;
  ports: Record<ServiceName, ServicePorts>;
  tokens: AccessTokens;
  /** Models and data (models/, data/): VA_SHARED_DIR of the inference service. */
  sharedDir: string;
  /** Model repository (configs); default: the service's own `services/batching-inference/models`. */
  modelRepository?: string;
  /** Folder file:// sources must be under (VA_INGEST_FILE_ROOT). */
  fileRoot: string;
  /** Elasticsearch index prefix (VA_SEARCH_INDEX_PREFIX). */
  indexPrefix: string;
  /** Evidence images and exports of sanity-check. */
  sanityDataDir: string;
  /** ONNX Runtime intra-op threads of the inference service. */
  inferenceThreads: number;
  logLevel: string;
  /** Per-service additions and overrides, applied last. */
  extraEnv?: Partial<Record<ServiceName, Record<string, string>>>;
}

/**
 * ORT threads for a machine that also runs ffmpeg decoders, NATS, Elasticsearch and four other
 * Node processes: half the cores. Giving ORT every core makes its threads fight the decoders
 * and the event loops (the inference benchmark's figures were taken with nothing else running).
 */
export function defaultInferenceThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2));
}

const address = (port: number) => `127.0.0.1:${port}`;

export function serviceEnv(name: ServiceName, s: PipelineSettings): Record<string, string> {
  const common: Record<string, string> = {
    NATS_URL: s.natsUrl,
    ...(s.natsCredentialsDir ? natsIdentityEnv(s.natsCredentialsDir, name) : {}),
    VA_LOG_LEVEL: s.logLevel,
    // Everything listens on loopback only: this is one machine's pipeline with generated tokens.
    VA_GRPC_HOST: '127.0.0.1',
    VA_HTTP_HOST: '127.0.0.1',
    VA_GRPC_PORT: String(s.ports[name].grpc),
    VA_HTTP_PORT: String(s.ports[name].http),
    VA_GRPC_TOKENS: tokenList(s.tokens, { acceptSearchService: name === 'batching-inference' }),
  };
  const own: Record<ServiceName, Record<string, string>> = {
    ingest: {
      VA_INGEST_FILE_ROOT: s.fileRoot,
      VA_INGEST_KV_BUCKET: 'va_ingest_streams',
    },
    'batching-inference': {
      VA_SHARED_DIR: s.sharedDir,
      ...(s.modelRepository ? { VA_INFERENCE_MODEL_REPOSITORY: s.modelRepository } : {}),
      VA_INFERENCE_THREADS: String(s.inferenceThreads),
      // No GPU provider is installable here; listing only cpu skips three failed attempts per model.
      VA_INFERENCE_EXECUTION_PROVIDERS: 'cpu',
    },
    tracking: {},
    'embedding-search': {
      ES_URL: s.esUrl,
      VA_SEARCH_INDEX_PREFIX: s.indexPrefix,
      VA_BATCHING_INFERENCE_GRPC_ADDR: address(s.ports['batching-inference'].grpc),
      VA_BATCHING_INFERENCE_GRPC_TOKEN: s.tokens.searchToInference,
      // Searchable within about a second of capture, at a cost Elasticsearch easily carries here.
      VA_SEARCH_BULK_FLUSH_MS: '250',
    },
    'sanity-check': {
      VA_SANITY_DATA_DIR: s.sanityDataDir,
    },
  };
  return { ...common, ...own[name], ...(s.extraEnv?.[name] ?? {}) };
}

/** How a client reaches each service's gRPC port. */
export function grpcAddresses(s: PipelineSettings): Record<ServiceName, string> {
  return Object.fromEntries(SERVICE_NAMES.map((n) => [n, address(s.ports[n].grpc)])) as Record<ServiceName, string>;
}
