import type { Client } from '@elastic/elasticsearch';
import type { NatsConnectionHandle } from '@va/common';
import { deletePrefix, esUrl } from './elasticsearch.js';
import { EMBED_ONLY, INFERENCE_TOKENS, startInference, type InferenceProcess } from './inference-service.js';
import { startNatsServer, type TestNatsServer } from './nats-server.js';
import { connectPublisher } from './pipeline-messages.js';
import { startSearchService, type RunningSearchService } from './search-service.js';

export interface SearchTestBed {
  nats: TestNatsServer;
  /** Publishes as the upstream services would. */
  pub: NatsConnectionHandle;
  service: RunningSearchService;
  /** The real batching-inference service (embedding-only) the search service embeds image queries with, when asked for. */
  inference: InferenceProcess | undefined;
  /** Stops the service and starts it again with the same settings (its durable consumers resume). */
  restartService(): Promise<RunningSearchService>;
  /** Stops everything, deletes the prefix's indices and templates, closes `es`. */
  dispose(): Promise<void>;
}

/**
 * What most embedding-search integration tests need: a nats-server of their own, the service as a
 * real process on the shared Elasticsearch under the test's own index prefix, and a publisher.
 * `beforeService` runs first (to create indices the service must find at start-up). With
 * `inference`, the real batching-inference service runs too (from source, OSNet only, one ORT
 * thread, on the same nats-server) and the search service calls it for image queries.
 */
export async function startSearchTestBed(options: {
  prefix: string;
  es: Client;
  env?: Record<string, string>;
  beforeService?: () => Promise<void>;
  inference?: boolean;
}): Promise<SearchTestBed> {
  const nats = await startNatsServer();
  await options.beforeService?.();
  const inference = options.inference ? await startInference(nats.url, EMBED_ONLY) : undefined;
  const env = {
    ...(inference
      ? {
          VA_BATCHING_INFERENCE_GRPC_ADDR: inference.address,
          VA_BATCHING_INFERENCE_GRPC_TOKEN: INFERENCE_TOKENS.viewer,
        }
      : {}),
    ...options.env,
  };
  const start = () => startSearchService({ natsUrl: nats.url, esUrl: esUrl(), prefix: options.prefix, env });
  const bed: SearchTestBed = {
    nats,
    inference,
    service: await start(),
    pub: await connectPublisher(nats.url),
    restartService: async () => {
      await bed.service.stop();
      bed.service = await start();
      return bed.service;
    },
    dispose: async () => {
      await bed.pub.close();
      await bed.service.stop();
      await inference?.stop();
      await nats.dispose();
      await deletePrefix(options.es, options.prefix);
      await options.es.close();
    },
  };
  return bed;
}
