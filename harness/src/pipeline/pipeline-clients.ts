// gRPC clients of a running pipeline, each with the least role its calls need.
import { createClient } from '@va/common';
import { IngestServiceClient } from '@va/proto/va/ingest/v1/ingest';
import { InferenceServiceClient } from '@va/proto/va/inference/v1/inference';
import { SanityServiceClient } from '@va/proto/va/sanity/v1/sanity';
import { SearchServiceClient } from '@va/proto/va/search/v1/search';
import { TrackingServiceClient } from '@va/proto/va/tracking/v1/tracking';
import type { AccessTokens } from './access-tokens.js';
import type { ServiceName } from './service-catalog.js';

export interface PipelineClients {
  /** Operator: adds and removes streams. */
  ingest: IngestServiceClient;
  /** Viewer: Detect, Embed, ModelStatus. */
  inference: InferenceServiceClient;
  tracking: TrackingServiceClient;
  search: SearchServiceClient;
  /** Operator: reviews flags. */
  sanity: SanityServiceClient;
  close(): void;
}

export function pipelineClients(addresses: Record<ServiceName, string>, tokens: AccessTokens): PipelineClients {
  const clients = {
    ingest: createClient(IngestServiceClient, { address: addresses.ingest, token: tokens.operator }),
    inference: createClient(InferenceServiceClient, { address: addresses['batching-inference'], token: tokens.viewer }),
    tracking: createClient(TrackingServiceClient, { address: addresses.tracking, token: tokens.viewer }),
    search: createClient(SearchServiceClient, { address: addresses['embedding-search'], token: tokens.viewer }),
    sanity: createClient(SanityServiceClient, { address: addresses['sanity-check'], token: tokens.operator }),
  };
  return {
    ...clients,
    close: () => Object.values(clients).forEach((c) => c.close()),
  };
}
