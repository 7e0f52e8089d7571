import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './ports.js';
import { spawnService, type ServiceProcess } from './service-process.js';
import { sharedDir, sharedFile } from './shared.js';

/** The five services in pipeline order, with the short names their metrics use. */
export const SERVICES = [
  { name: 'ingest', metric: 'ingest', entry: 'services/ingest/src/main.ts' },
  { name: 'batching-inference', metric: 'inference', entry: 'services/batching-inference/src/main.ts' },
  { name: 'tracking', metric: 'tracking', entry: 'services/tracking/src/main.ts' },
  { name: 'embedding-search', metric: 'search', entry: 'services/embedding-search/src/main.ts' },
  { name: 'sanity-check', metric: 'sanity', entry: 'services/sanity-check/src/main.ts' },
] as const;
export type ServiceName = (typeof SERVICES)[number]['name'];

/** One token per role, accepted by every service; the search service uses the viewer one to call inference. */
export const PIPELINE_TOKENS = { viewer: 'viewer-token-pipeline', operator: 'operator-token-pipeline', admin: 'admin-token-pipeline' } as const;

export interface RunningService {
  name: ServiceName;
  proc: ServiceProcess;
  httpPort: number;
  grpcAddress: string;
  metrics(): Promise<string>;
}

export interface AllServices {
  services: Record<ServiceName, RunningService>;
  /** The folder file streams must lie under (VA_INGEST_FILE_ROOT). */
  fileRoot: string;
  stop(): Promise<void>;
}

/**
 * All five services as real processes (from source, like production) against one nats-server
 * and one Elasticsearch, each on free ports, started in pipeline order and ready. Inference runs
 * on the CPU with one thread; search writes under `indexPrefix`; sanity-check keeps its evidence
 * in a temporary folder removed by stop().
 */
export async function startAllServices(options: { natsUrl: string; esUrl: string; indexPrefix: string; env?: Partial<Record<ServiceName, Record<string, string>>> }): Promise<AllServices> {
  const sanityDir = mkdtempSync(join(tmpdir(), 'va-all-sanity-'));
  const fileRoot = dirname(dirname(sharedFile('data/video/parking-lot-cars_768x432.mp4')));
  const common = {
    NATS_URL: options.natsUrl,
    VA_HTTP_HOST: '127.0.0.1',
    VA_GRPC_HOST: '127.0.0.1',
    VA_GRPC_TOKENS: Object.entries(PIPELINE_TOKENS).map(([role, token]) => `${role}:${token}`).join(','),
    VA_SHUTDOWN_GRACE_MS: '5000',
    VA_LOG_LEVEL: 'warn',
  };
  const ports = new Map<ServiceName, { http: number; grpc: number }>();
  for (const s of SERVICES) ports.set(s.name, { http: await freePort(), grpc: await freePort() });
  const address = (name: ServiceName) => `127.0.0.1:${ports.get(name)?.grpc}`;
  const own: Record<ServiceName, Record<string, string>> = {
    ingest: { VA_INGEST_FILE_ROOT: fileRoot, VA_INGEST_ALLOW_LOCAL_NETWORK: 'true' },
    'batching-inference': { VA_SHARED_DIR: sharedDir(), VA_INFERENCE_THREADS: '1', VA_INFERENCE_EXECUTION_PROVIDERS: 'cpu' },
    tracking: { VA_TRACKING_DISCOVERY_INTERVAL_MS: '500' },
    'embedding-search': {
      ES_URL: options.esUrl,
      VA_SEARCH_INDEX_PREFIX: options.indexPrefix,
      VA_SEARCH_BULK_FLUSH_MS: '200',
      VA_BATCHING_INFERENCE_GRPC_ADDR: address('batching-inference'),
      VA_BATCHING_INFERENCE_GRPC_TOKEN: PIPELINE_TOKENS.viewer,
    },
    'sanity-check': { VA_SANITY_DATA_DIR: sanityDir },
  };
  const started: RunningService[] = [];
  const stop = async () => {
    for (const s of [...started].reverse()) await s.proc.stop();
    rmSync(sanityDir, { recursive: true, force: true });
  };
  try {
    for (const s of SERVICES) {
      const p = ports.get(s.name) as { http: number; grpc: number };
      const proc = spawnService(s.entry, { ...common, VA_HTTP_PORT: String(p.http), VA_GRPC_PORT: String(p.grpc), ...own[s.name], ...options.env?.[s.name] });
      const running: RunningService = {
        name: s.name,
        proc,
        httpPort: p.http,
        grpcAddress: address(s.name),
        metrics: async () => (await fetch(`http://127.0.0.1:${p.http}/metrics`)).text(),
      };
      started.push(running);
      await proc.waitReady(p.http, 120_000);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { services: Object.fromEntries(started.map((s) => [s.name, s])) as Record<ServiceName, RunningService>, fileRoot, stop };
}
