import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_S } from '@va/common';

const QUEUE_BUCKETS_S = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2];
const BATCH_BUCKETS = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128, 256];

/**
 * Every va_inference_* metric, in Triton's vocabulary: requests succeed or fail, wait in the
 * queue, are computed in batches (input, infer, output phases); inference count (images) against
 * execution count (batches) shows how well batching works.
 */
export class InferenceMetrics {
  readonly requestSuccess: Counter<'model' | 'version'>;
  readonly requestFailure: Counter<'model' | 'version' | 'reason'>;
  readonly queueDuration: Histogram<'model' | 'version'>;
  readonly computeDuration: Histogram<'model' | 'version' | 'phase'>;
  readonly batchSize: Histogram<'model' | 'version'>;
  readonly inferenceCount: Counter<'model' | 'version'>;
  readonly executionCount: Counter<'model' | 'version'>;
  readonly queueDepth: Gauge<'model' | 'version'>;
  readonly executionProvider: Gauge<'model' | 'version' | 'ep'>;
  readonly modelReady: Gauge<'model' | 'version'>;
  readonly modelLoadFailures: Counter<'model' | 'reason'>;
  readonly trafficShare: Gauge<'model' | 'version'>;
  readonly framesReceived: Counter<'camera'>;
  readonly framesDropped: Counter<'camera' | 'reason'>;
  readonly framesPublished: Counter<'camera'>;
  readonly framesNotDetected: Counter<'camera'>;
  readonly framesPending: Gauge;
  readonly framesInFlight: Gauge;
  readonly frameLatency: Histogram<'stage'>;
  readonly detections: Counter<'model' | 'class'>;
  readonly embeddings: Counter<'model'>;
  readonly publishFailures: Counter<'reason'>;
  readonly imageRejections: Counter<'source' | 'reason'>;
  readonly decodedBytesInFlight: Gauge;
  readonly gpuMemoryUsed: Gauge<'gpu' | 'name'>;
  readonly gpuMemoryTotal: Gauge<'gpu' | 'name'>;

  constructor(registry: Registry, prefix: string) {
    const r = [registry];
    const mv = ['model', 'version'] as const;
    this.requestSuccess = new Counter({
      name: `${prefix}request_success_total`,
      help: 'Inference requests (images) that returned a result.',
      labelNames: mv,
      registers: r,
    });
    this.requestFailure = new Counter({
      name: `${prefix}request_failure_total`,
      help: 'Inference requests that failed: queue_full, timeout, cancelled, closed (model unloading), non_finite_output, error.',
      labelNames: [...mv, 'reason'],
      registers: r,
    });
    this.queueDuration = new Histogram({
      name: `${prefix}queue_duration_seconds`,
      help: 'Time a request waited in the batcher queue.',
      labelNames: mv,
      buckets: QUEUE_BUCKETS_S,
      registers: r,
    });
    this.computeDuration = new Histogram({
      name: `${prefix}compute_duration_seconds`,
      help: 'Time per batch: phase=input (writing the batch tensor), infer (session.run), output (decode and NMS).',
      labelNames: [...mv, 'phase'],
      buckets: LATENCY_BUCKETS_S,
      registers: r,
    });
    this.batchSize = new Histogram({
      name: `${prefix}batch_size`,
      help: 'Requests per executed batch.',
      labelNames: mv,
      buckets: BATCH_BUCKETS,
      registers: r,
    });
    this.inferenceCount = new Counter({
      name: `${prefix}inference_count_total`,
      help: 'Images inferred (Triton inference count).',
      labelNames: mv,
      registers: r,
    });
    this.executionCount = new Counter({
      name: `${prefix}execution_count_total`,
      help: 'Batches executed (Triton execution count).',
      labelNames: mv,
      registers: r,
    });
    this.queueDepth = new Gauge({
      name: `${prefix}queue_depth`,
      help: 'Requests waiting in the batcher queue.',
      labelNames: mv,
      registers: r,
    });
    this.executionProvider = new Gauge({
      name: `${prefix}execution_provider`,
      help: '1 for the execution provider each loaded model version runs on.',
      labelNames: [...mv, 'ep'],
      registers: r,
    });
    this.modelReady = new Gauge({
      name: `${prefix}model_ready`,
      help: '1 while a model version is loaded and serving.',
      labelNames: mv,
      registers: r,
    });
    this.modelLoadFailures = new Counter({
      name: `${prefix}model_load_failures_total`,
      help: 'Model version loads that failed, by error class.',
      labelNames: ['model', 'reason'],
      registers: r,
    });
    this.trafficShare = new Gauge({
      name: `${prefix}traffic_share`,
      help: 'Share of cameras routed to each model version (canary rollout).',
      labelNames: mv,
      registers: r,
    });
    this.framesReceived = new Counter({
      name: `${prefix}frames_received_total`,
      help: 'Frames taken from va.frames.*.',
      labelNames: ['camera'],
      registers: r,
    });
    this.framesDropped = new Counter({
      name: `${prefix}frames_dropped_total`,
      help: 'Frames not turned into detections: superseded (a newer frame of the camera arrived), stale (older than the age limit), queue_full, timeout, invalid (bad pixels), too_large (over VA_INFERENCE_MAX_FRAME_PIXELS), decode_budget (decoding budget spent), failed (model error), no_model.',
      labelNames: ['camera', 'reason'],
      registers: r,
    });
    this.framesPublished = new Counter({
      name: `${prefix}frames_published_total`,
      help: 'DetectionBatch messages stored in JetStream.',
      labelNames: ['camera'],
      registers: r,
    });
    this.framesNotDetected = new Counter({
      name: `${prefix}frames_not_detected_total`,
      help: "Frames the stream's detection schedule left to the tracker: published as skipped DetectionBatches without decoding or running a model (also counted in frames_published_total).",
      labelNames: ['camera'],
      registers: r,
    });
    this.framesPending = new Gauge({
      name: `${prefix}frames_pending`,
      help: 'Frames waiting in the per-camera queues in front of the batcher.',
      registers: r,
    });
    this.framesInFlight = new Gauge({
      name: `${prefix}frames_in_flight`,
      help: 'Frames admitted and not yet finished (batcher, models, publishing); at most VA_INFERENCE_MAX_IN_FLIGHT_FRAMES.',
      registers: r,
    });
    this.frameLatency = new Histogram({
      name: `${prefix}frame_latency_seconds`,
      help: 'Frame latency: stage=capture_to_received (capture timestamp to taken off the bus, every frame), capture_to_published (capture timestamp to JetStream ack), receive_to_published (in this service).',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS_S,
      registers: r,
    });
    this.detections = new Counter({
      name: `${prefix}detections_total`,
      help: 'Detections published, by model and class.',
      labelNames: ['model', 'class'],
      registers: r,
    });
    this.embeddings = new Counter({
      name: `${prefix}embeddings_total`,
      help: 'Embeddings computed for detection crops.',
      labelNames: ['model'],
      registers: r,
    });
    this.publishFailures = new Counter({
      name: `${prefix}publish_failures_total`,
      help: 'DetectionBatch publishes that failed after retries.',
      labelNames: ['reason'],
      registers: r,
    });
    this.imageRejections = new Counter({
      name: `${prefix}image_rejections_total`,
      help: 'Images refused before or while decoding, by source (detect, embed, frame) and reason: empty, unknown_format, malformed_header, too_many_pixels, request_too_large, size_mismatch, undecodable, decode_budget.',
      labelNames: ['source', 'reason'],
      registers: r,
    });
    this.decodedBytesInFlight = new Gauge({
      name: `${prefix}decoded_bytes_in_flight`,
      help: 'Decoded image bytes reserved from VA_INFERENCE_MAX_DECODED_BYTES_IN_FLIGHT (decoding or waiting for their batch).',
      registers: r,
    });
    // Only on hosts with nvidia-smi (gpu/gpu-memory-monitor.ts).
    this.gpuMemoryUsed = new Gauge({
      name: `${prefix}gpu_memory_used_bytes`,
      help: 'GPU memory in use on the card (nvidia-smi), all processes.',
      labelNames: ['gpu', 'name'],
      registers: r,
    });
    this.gpuMemoryTotal = new Gauge({
      name: `${prefix}gpu_memory_total_bytes`,
      help: 'GPU memory installed on the card (nvidia-smi).',
      labelNames: ['gpu', 'name'],
      registers: r,
    });
  }

  /** Drops the series of an unloaded version so dashboards do not show it as still there. */
  forgetVersion(model: string, version: string, ep: string): void {
    const labels = { model, version };
    this.queueDepth.remove(labels);
    this.modelReady.remove(labels);
    this.trafficShare.remove(labels);
    this.executionProvider.remove({ ...labels, ep });
  }
}
