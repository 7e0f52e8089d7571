// Where frames went, hop by hop, over the measured window: what each service took in, passed on,
// shed (by reason) and still held at the end. Each hop must add up; when one does not, the
// difference is frames lost uncounted (or held somewhere no gauge shows), and the verdict says at
// which hop and prints the reasons counted there. Pure: two scrapes in, figures out.
import type { MetricSet } from '@va/harness/prometheus-text';
import { histogramDelta, histogramQuantile } from '@va/harness/prometheus-text';
import type { PipelineScrape } from '@va/harness/pipeline/pipeline-scrape';

export interface Hop {
  name: 'ingest' | 'bus' | 'inference' | 'tracking';
  /** Frames (or sequences) that reached the hop in the window. */
  in: number;
  /** Passed on to the next hop. */
  out: number;
  /** Counted drops by reason. */
  shed: Record<string, number>;
  /** Growth of what the hop holds (mailboxes, queues) over the window; negative when it emptied. */
  heldGrowth: number;
  /** in − out − shed − heldGrowth: frames the hop cannot account for (in flight at the edges, or lost). */
  unaccounted: number;
}

/** Sequences the tracker released past without a frame: announced as shed upstream, or given up on after waiting. */
export interface TrackingGaps {
  announced: number;
  gaveUp: number;
}

export function trackingGaps(a: PipelineScrape, b: PipelineScrape): TrackingGaps {
  const d = (name: string) => (b.metrics.tracking?.sum(name) ?? 0) - (a.metrics.tracking?.sum(name) ?? 0);
  return { announced: d('va_tracking_shed_frames_total'), gaveUp: d('va_tracking_skipped_frames_total') };
}

export interface HopLatencyMs {
  /** Ingest: last byte read from ffmpeg to publish (its mailbox and the bus gate). */
  ingestPublishDelayP95: number;
  /** Capture to inference taking the frame off the bus (ingest, its bus gate, nats-server, the inference client). */
  captureToReceivedP95: number;
  /** Inference: received to DetectionBatch stored (admission, batcher, model, embeddings, JetStream). */
  inferenceReceiveToPublishedP95: number;
}

const byReason = (m: MetricSet | undefined, name: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const s of m?.select(name) ?? []) {
    const reason = s.labels.reason ?? '';
    out[reason] = (out[reason] ?? 0) + s.value;
  }
  return out;
};

const minus = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(a)) {
    const d = v - (b[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
};

const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

function hop(name: Hop['name'], input: number, out: number, shed: Record<string, number>, heldGrowth: number): Hop {
  return { name, in: input, out, shed, heldGrowth, unaccounted: input - out - total(shed) - heldGrowth };
}

export function hopAccounting(a: PipelineScrape, b: PipelineScrape): Hop[] {
  const d = (svc: keyof PipelineScrape['metrics'], name: string) =>
    (b.metrics[svc]?.sum(name) ?? 0) - (a.metrics[svc]?.sum(name) ?? 0);
  const reasons = (svc: keyof PipelineScrape['metrics'], name: string) =>
    minus(byReason(b.metrics[svc], name), byReason(a.metrics[svc], name));
  const published = d('ingest', 'va_ingest_frames_published_total');
  const received = d('batching-inference', 'va_inference_frames_received_total');
  const detected = d('batching-inference', 'va_inference_frames_published_total');
  const processed = d('tracking', 'va_tracking_frames_processed_total');
  return [
    hop(
      'ingest',
      d('ingest', 'va_ingest_frames_read_total'),
      published,
      reasons('ingest', 'va_ingest_frames_dropped_total'),
      d('ingest', 'va_ingest_held_frames'),
    ),
    // Core NATS between ingest and inference: nothing is counted here, so whatever is missing was lost (or in flight at the edges).
    hop('bus', published, received, {}, 0),
    hop(
      'inference',
      received,
      detected,
      reasons('batching-inference', 'va_inference_frames_dropped_total'),
      d('batching-inference', 'va_inference_frames_pending') + d('batching-inference', 'va_inference_frames_in_flight'),
    ),
    hop(
      'tracking',
      detected,
      processed,
      reasons('tracking', 'va_tracking_reorder_drops_total'),
      d('tracking', 'va_tracking_reorder_depth_frames') + d('tracking', 'va_tracking_consumer_lag_messages'),
    ),
  ];
}

export function hopLatency(a: PipelineScrape, b: PipelineScrape): HopLatencyMs {
  const p95 = (svc: keyof PipelineScrape['metrics'], name: string, labels: Record<string, string> = {}) => {
    const h = histogramDelta(
      b.metrics[svc]?.histogram(name, labels) ?? { buckets: [], sum: 0, count: 0 },
      a.metrics[svc]?.histogram(name, labels),
    );
    return h.count > 0 ? Math.round(histogramQuantile(0.95, h) * 1000) : 0;
  };
  return {
    ingestPublishDelayP95: p95('ingest', 'va_ingest_frame_publish_delay_seconds'),
    captureToReceivedP95: p95('batching-inference', 'va_inference_frame_latency_seconds', {
      stage: 'capture_to_received',
    }),
    inferenceReceiveToPublishedP95: p95('batching-inference', 'va_inference_frame_latency_seconds', {
      stage: 'receive_to_published',
    }),
  };
}

/** One line per hop: in → out, shed by reason, held, unaccounted. */
export function describeHops(hops: Hop[]): string {
  return hops
    .map((h) => {
      const shed = Object.entries(h.shed)
        .sort((x, y) => y[1] - x[1])
        .map(([r, n]) => `${r} ${n}`)
        .join(', ');
      return `${h.name} ${h.in} → ${h.out}${shed ? ` (shed ${shed})` : ''}${h.heldGrowth !== 0 ? `, held ${h.heldGrowth > 0 ? '+' : ''}${h.heldGrowth}` : ''}${h.unaccounted !== 0 ? `, unaccounted ${h.unaccounted}` : ''}`;
    })
    .join('; ');
}
