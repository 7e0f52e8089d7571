// One reading of every service's /metrics and resident memory, and the figures between two
// readings that the demo, the load tests and the e2e benchmark report.
import { histogramDelta, histogramQuantile, MetricSet, type Histogram } from '../prometheus-text.js';
import type { Pipeline } from './pipeline-launcher.js';
import { SERVICE_NAMES, type ServiceName } from './service-catalog.js';

export interface PipelineScrape {
  atMs: number;
  /** Missing when the service did not answer (down, or too busy for 2 s). */
  metrics: Partial<Record<ServiceName, MetricSet>>;
  rssBytes: Partial<Record<ServiceName, number>>;
}

export async function scrapePipeline(pipeline: Pipeline): Promise<PipelineScrape> {
  const atMs = Date.now();
  const metrics: PipelineScrape['metrics'] = {};
  const rssBytes: PipelineScrape['rssBytes'] = {};
  await Promise.all(
    SERVICE_NAMES.map(async (name) => {
      rssBytes[name] = pipeline.service(name).rssBytes();
      try {
        const res = await fetch(pipeline.httpUrl(name), { signal: AbortSignal.timeout(2_000) });
        if (res.ok) metrics[name] = MetricSet.parse(await res.text());
      } catch {
        // Reported as missing.
      }
    }),
  );
  return { atMs, metrics, rssBytes };
}

/** Frame drops that are deliberate load shedding (stale or superseded frames), by stage. */
const SHED_REASONS = {
  ingest: ['bus_backpressure', 'encoder_busy', 'disconnected', 'stale', 'no_buffer', 'stopped'],
  inference: ['superseded', 'stale', 'queue_full', 'timeout', 'shutdown'],
};
/** Frame drops that are failures: the frame was wanted and something went wrong. */
const FAILURE_REASONS = {
  ingest: ['publish_error', 'encode_error'],
  inference: ['invalid', 'no_model', 'failed', 'publish_failed'],
};

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  count: number;
}

export interface StageFigures {
  atMs: number;
  intervalS: number;
  streams: { total: number; running: number };
  fps: { decoded: number; published: number; detected: number; tracked: number; indexedDocs: number };
  totals: {
    framesRead: number;
    framesPublished: number;
    /** Frames inference took off the bus (what ingest published minus what core NATS lost on the way). */
    framesReceived: number;
    framesDetected: number;
    framesTracked: number;
    detections: number;
    tracksStarted: number;
    activeTracks: number;
    flags: [number, number, number];
    indexedDocs: number;
    /** Frames shed on purpose: ingest + inference. */
    framesShed: number;
    /** Failures anywhere on the data path (see `errorCount`). */
    errors: number;
  };
  shedByReason: Record<string, number>;
  /** From the services' histograms over the interval (bucket interpolation, as PromQL does). */
  latencyMs: { captureToDetections: Percentiles; captureToTracks: Percentiles; captureToIndexed: Percentiles };
  queues: Record<string, number>;
  rssMb: Partial<Record<ServiceName, number>>;
  up: Record<ServiceName, boolean>;
}

const sumReasons = (m: MetricSet | undefined, name: string, reasons: string[]) =>
  reasons.reduce((t, reason) => t + (m?.sum(name, { reason }) ?? 0), 0);

/**
 * Data-path failures: frames failed at ingest or inference, messages a consumer could not decode
 * or handle, documents Elasticsearch refused for good (dead letters), rules that threw, output
 * publishes that failed for good. Retries that succeed are not failures.
 */
export function errorCount(s: PipelineScrape): number {
  const { ingest } = s.metrics;
  const inference = s.metrics['batching-inference'];
  const search = s.metrics['embedding-search'];
  const sanity = s.metrics['sanity-check'];
  const consumerFailures = SERVICE_NAMES.reduce((t, name) => {
    const m = s.metrics[name];
    return (
      t +
      (m
        ? m.samples
            .filter((x) => /^va_\w+_(malformed_messages|handler_errors)_total$/.test(x.name))
            .reduce((a, x) => a + x.value, 0)
        : 0)
    );
  }, 0);
  return (
    sumReasons(ingest, 'va_ingest_frames_dropped_total', FAILURE_REASONS.ingest) +
    sumReasons(inference, 'va_inference_frames_dropped_total', FAILURE_REASONS.inference) +
    (search?.sum('va_search_dead_letters_total') ?? 0) +
    (sanity?.sum('va_sanity_rule_errors_total') ?? 0) +
    consumerFailures
  );
}

function percentiles(h: Histogram): Percentiles {
  const ms = (q: number) => histogramQuantile(q, h) * 1000;
  return { p50: ms(0.5), p95: ms(0.95), p99: ms(0.99), count: h.count };
}

export function stageFigures(cur: PipelineScrape, prev?: PipelineScrape): StageFigures {
  const { ingest, tracking } = cur.metrics;
  const inference = cur.metrics['batching-inference'];
  const search = cur.metrics['embedding-search'];
  const sanity = cur.metrics['sanity-check'];
  const intervalS = prev ? Math.max(0.001, (cur.atMs - prev.atMs) / 1000) : 0;
  const rate = (now: number, before: number | undefined) =>
    prev && before !== undefined ? Math.max(0, now - before) / intervalS : 0;
  const total = (svc: ServiceName, name: string, s = cur) => s.metrics[svc]?.sum(name) ?? 0;
  const hist = (svc: ServiceName, name: string, labels: Record<string, string> = {}) =>
    histogramDelta(
      cur.metrics[svc]?.histogram(name, labels) ?? { buckets: [], sum: 0, count: 0 },
      prev?.metrics[svc]?.histogram(name, labels),
    );
  const shedByReason: Record<string, number> = {};
  for (const [stage, metric, m] of [
    ['ingest', 'va_ingest_frames_dropped_total', ingest],
    ['inference', 'va_inference_frames_dropped_total', inference],
  ] as const) {
    for (const reason of SHED_REASONS[stage]) {
      const v = m?.sum(metric, { reason }) ?? 0;
      if (v > 0) shedByReason[`${stage}:${reason}`] = v;
    }
  }
  const flags: [number, number, number] = [1, 2, 3].map(
    (sev) => sanity?.sum('va_sanity_flags_total', { severity: String(sev) }) ?? 0,
  ) as [number, number, number];
  const states = ingest?.select('va_ingest_stream_state').filter((s) => s.value === 1) ?? [];
  const indexed = total('embedding-search', 'va_search_indexed_documents_total');
  return {
    atMs: cur.atMs,
    intervalS,
    streams: { total: states.length, running: states.filter((s) => s.labels.state === 'running').length },
    fps: {
      decoded: ingest?.sum('va_ingest_decode_fps') ?? 0,
      published: ingest?.sum('va_ingest_publish_fps') ?? 0,
      detected: rate(
        total('batching-inference', 'va_inference_frames_published_total'),
        prev?.metrics['batching-inference']?.sum('va_inference_frames_published_total'),
      ),
      tracked: rate(
        total('tracking', 'va_tracking_frames_processed_total'),
        prev?.metrics.tracking?.sum('va_tracking_frames_processed_total'),
      ),
      indexedDocs: rate(indexed, prev?.metrics['embedding-search']?.sum('va_search_indexed_documents_total')),
    },
    totals: {
      framesRead: total('ingest', 'va_ingest_frames_read_total'),
      framesPublished: total('ingest', 'va_ingest_frames_published_total'),
      framesReceived: total('batching-inference', 'va_inference_frames_received_total'),
      framesDetected: total('batching-inference', 'va_inference_frames_published_total'),
      framesTracked: total('tracking', 'va_tracking_frames_processed_total'),
      detections: total('batching-inference', 'va_inference_detections_total'),
      tracksStarted: total('tracking', 'va_tracking_tracks_started_total'),
      activeTracks: total('tracking', 'va_tracking_active_tracks'),
      flags,
      indexedDocs: indexed,
      framesShed: Object.values(shedByReason).reduce((a, b) => a + b, 0),
      errors: errorCount(cur),
    },
    shedByReason,
    latencyMs: {
      captureToDetections: percentiles(
        hist('batching-inference', 'va_inference_frame_latency_seconds', { stage: 'capture_to_published' }),
      ),
      captureToTracks: percentiles(hist('tracking', 'va_tracking_capture_to_tracks_seconds')),
      captureToIndexed: percentiles(
        hist('embedding-search', 'va_search_capture_to_indexed_seconds', { index: 'tracks' }),
      ),
    },
    queues: {
      ingest_held_frames: ingest?.sum('va_ingest_held_frames') ?? 0,
      ingest_bus_pending_mb: (ingest?.sum('va_ingest_bus_pending_bytes') ?? 0) / 1e6,
      inference_frames_pending: inference?.sum('va_inference_frames_pending') ?? 0,
      inference_batcher_queue: inference?.sum('va_inference_queue_depth') ?? 0,
      tracking_reorder_frames: tracking?.sum('va_tracking_reorder_depth_frames') ?? 0,
      tracking_consumer_lag: tracking?.sum('va_tracking_consumer_lag_messages') ?? 0,
      search_consumer_lag: search?.sum('va_search_consumer_lag_messages') ?? 0,
      search_buffer_docs: search?.sum('va_search_bulk_buffer_documents') ?? 0,
      sanity_consumer_lag: sanity?.sum('va_sanity_consumer_lag_messages') ?? 0,
      ingest_frame_ring_mb: (ingest?.sum('va_ingest_frame_ring_bytes') ?? 0) / 1e6,
    },
    rssMb: Object.fromEntries(
      Object.entries(cur.rssBytes).map(([k, v]) => [k, v === undefined ? undefined : v / 1e6]),
    ) as StageFigures['rssMb'],
    up: Object.fromEntries(SERVICE_NAMES.map((n) => [n, cur.metrics[n] !== undefined])) as Record<ServiceName, boolean>,
  };
}
