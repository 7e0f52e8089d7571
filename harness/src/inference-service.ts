import { createClient } from '@va/common';
import { InferenceServiceClient } from '@va/proto/va/inference/v1/inference';
import { scrapeMetrics } from './prometheus-text.js';
import { freePort } from './ports.js';
import { spawnService, type ServiceProcess } from './service-process.js';
import { sharedDir } from './shared.js';
import { testToken } from './tokens.js';
import { natsEnvFor } from './nats-server.js';

export const INFERENCE_TOKENS = { viewer: testToken('viewer'), admin: testToken('admin') };

export interface InferenceProcess {
  proc: ServiceProcess;
  httpPort: number;
  address: string;
  client(role: keyof typeof INFERENCE_TOKENS): InferenceServiceClient;
  /** The value of one sample of a metric (labels must all match), or undefined. */
  metric(name: string, labels?: Record<string, string>): Promise<number | undefined>;
  stop(): Promise<number>;
}

/**
 * Starts services/batching-inference/src/main.ts as its own process on free ports, CPU only, one
 * ORT thread, and waits until it is ready. `EMBED_ONLY` makes it the embedding-only worker other
 * services' tests need: OSNet alone, no detector, no frame pipeline, no shared rollouts.
 */
export async function startInference(
  natsUrl: string,
  env: Record<string, string> = {},
  options: { waitReady?: boolean } = {},
): Promise<InferenceProcess> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const proc = spawnService('services/batching-inference/src/main.ts', {
    ...natsEnvFor(natsUrl, 'batching-inference'),
    VA_HTTP_PORT: String(httpPort),
    VA_GRPC_PORT: String(grpcPort),
    VA_GRPC_HOST: '127.0.0.1',
    VA_GRPC_TOKENS: `viewer:${INFERENCE_TOKENS.viewer},admin:${INFERENCE_TOKENS.admin}`,
    VA_SHARED_DIR: sharedDir(),
    VA_INFERENCE_THREADS: '1',
    VA_INFERENCE_EXECUTION_PROVIDERS: 'cpu',
    VA_SHUTDOWN_GRACE_MS: '5000',
    ...env,
  });
  const clients: InferenceServiceClient[] = [];
  const address = `127.0.0.1:${grpcPort}`;
  const handle: InferenceProcess = {
    proc,
    httpPort,
    address,
    client: (role) => {
      const c = createClient(InferenceServiceClient, { address, token: INFERENCE_TOKENS[role] });
      clients.push(c);
      return c;
    },
    metric: async (name, labels = {}) => (await scrapeMetrics(httpPort)).select(name, labels)[0]?.value,
    stop: async () => {
      for (const c of clients) c.close();
      return proc.stop(15_000);
    },
  };
  if (options.waitReady ?? true) await proc.waitReady(httpPort, 60_000);
  return handle;
}

/** The real service as an embedder for other services: no detector, no frame pipeline, rollouts per process. */
export const EMBED_ONLY: Record<string, string> = {
  VA_INFERENCE_PIPELINE: 'false',
  VA_INFERENCE_DETECTOR: 'none',
  VA_INFERENCE_ROLLOUT_BUCKET: '',
};
