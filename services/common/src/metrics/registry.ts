import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry per process with the default process metrics (CPU, memory, event-loop lag, GC).
 * Service metrics are named va_<service>_<thing>_<unit>; `metricPrefix` gives the first part.
 */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function metricPrefix(service: string): string {
  return `va_${service.replace(/-/g, '_')}_`;
}

/** Latency buckets in seconds from 1 ms to 10 s, for stage and RPC latencies. */
export const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1, 2.5, 5, 10];
