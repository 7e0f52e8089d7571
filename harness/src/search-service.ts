import { createClient, type GrpcClientConfig } from '@va/common';
import { SearchServiceClient } from '@va/proto/va/search/v1/search';
import { freePort } from './ports.js';
import { spawnService, type ServiceProcess } from './service-process.js';
import { MetricSet } from './prometheus-text.js';
import { testToken } from './tokens.js';
import { natsEnvFor } from './nats-server.js';

export const VIEWER_TOKEN = testToken('viewer');
export const ADMIN_TOKEN = testToken('admin');

export interface RunningSearchService {
  proc: ServiceProcess;
  grpcAddress: string;
  httpPort: number;
  /** A SearchService client with the viewer token. */
  client(token?: string): SearchServiceClient;
  metrics(): Promise<string>;
  readyz(): Promise<{ status: number; body: { ready: boolean; reasons: string[] } }>;
  stop(): Promise<number>;
}

/**
 * Runs services/embedding-search/src/main.ts as its own process against a real NATS and a real
 * Elasticsearch, with an index prefix of its own. Waits for /readyz unless `waitReady` is false
 * (an Elasticsearch that is down keeps it not ready).
 */
export async function startSearchService(options: {
  natsUrl: string;
  esUrl: string;
  prefix: string;
  env?: Record<string, string>;
  waitReady?: boolean;
}): Promise<RunningSearchService> {
  const grpcPort = await freePort();
  const httpPort = await freePort();
  const proc = spawnService('services/embedding-search/src/main.ts', {
    ...natsEnvFor(options.natsUrl, 'embedding-search'),
    ES_URL: options.esUrl,
    VA_SEARCH_INDEX_PREFIX: options.prefix,
    VA_GRPC_PORT: String(grpcPort),
    VA_HTTP_PORT: String(httpPort),
    VA_GRPC_TOKENS: `viewer:${VIEWER_TOKEN},admin:${ADMIN_TOKEN}`,
    VA_SEARCH_BULK_FLUSH_MS: '100',
    VA_SEARCH_REFRESH_INTERVAL_MS: '200',
    ...options.env,
  });
  if (options.waitReady !== false) await proc.waitReady(httpPort, 90_000);
  const grpcAddress = `127.0.0.1:${grpcPort}`;
  const clients: SearchServiceClient[] = [];
  return {
    proc,
    grpcAddress,
    httpPort,
    client: (token = VIEWER_TOKEN) => {
      const c = createClient(SearchServiceClient, { address: grpcAddress, token } satisfies GrpcClientConfig);
      clients.push(c);
      return c;
    },
    metrics: async () => (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text(),
    readyz: async () => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      return { status: res.status, body: (await res.json()) as { ready: boolean; reasons: string[] } };
    },
    stop: async () => {
      for (const c of clients) c.close();
      return proc.stop();
    },
  };
}

/** Sum of the samples of `name` in a /metrics text whose labels include `labels` (0 when there are none). */
export const metricValue = (text: string, name: string, labels: Record<string, string> = {}): number =>
  MetricSet.parse(text).sum(name, labels);
