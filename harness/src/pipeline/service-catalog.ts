// The five services in pipeline order (the frame's journey), with what a launcher needs to know
// about each: its folder, its default ports, and its metric prefix.

export const SERVICE_NAMES = ['ingest', 'batching-inference', 'tracking', 'embedding-search', 'sanity-check'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServicePorts {
  grpc: number;
  http: number;
}

/** The user-facing defaults (README): gRPC 50051-50055, metrics/health 9461-9465. */
export const DEFAULT_PORTS: Record<ServiceName, ServicePorts> = {
  ingest: { grpc: 50051, http: 9461 },
  'batching-inference': { grpc: 50052, http: 9462 },
  tracking: { grpc: 50053, http: 9463 },
  'embedding-search': { grpc: 50054, http: 9464 },
  'sanity-check': { grpc: 50055, http: 9465 },
};

/** Prefix of each service's own metrics (`va_<short>_...`). */
export const METRIC_PREFIX: Record<ServiceName, string> = {
  ingest: 'va_ingest_',
  'batching-inference': 'va_inference_',
  tracking: 'va_tracking_',
  'embedding-search': 'va_search_',
  'sanity-check': 'va_sanity_',
};

/**
 * Shutdown order: the source first so no new frames enter, then each stage after the one feeding
 * it has flushed what it held. Durable stages lose nothing either way (JetStream keeps the rest),
 * but this order leaves the least unfinished work behind.
 */
export const STOP_ORDER: ServiceName[][] = [
  ['ingest'],
  ['batching-inference'],
  ['tracking', 'sanity-check'],
  ['embedding-search'],
];

/** The entry point of a service: its TypeScript source (run through tsx) or its build output. */
export function entryPoint(name: ServiceName, runtime: 'source' | 'dist'): string {
  return runtime === 'source' ? `services/${name}/src/main.ts` : `services/${name}/dist/main.js`;
}
