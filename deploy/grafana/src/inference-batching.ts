import { type Dashboard, mean, NO_GPU, quantile, rate } from './model.js';

const MODEL = '{model=~"$model"}';

export const inferenceBatching: Dashboard = {
  uid: 'va-inference',
  title: 'Video analytics: inference batching',
  description:
    'The dynamic batcher per model (Triton semantics): batch sizes, queue delay, compute per phase, providers, failures.',
  file: 'inference-batching.json',
  variables: [{ name: 'model', label: 'Model', query: 'label_values(va_inference_model_ready, model)' }],
  rows: [
    {
      row: 'Models',
      panels: [
        {
          title: 'Execution provider per version',
          kind: 'stat',
          width: 8,
          description: 'The provider each loaded model version runs on (tensorrt, cuda, webgpu, cpu).',
          queries: [
            {
              expr: `max by (model, version, ep) (va_inference_execution_provider${MODEL})`,
              legend: '{{model}} v{{version}} {{ep}}',
            },
          ],
        },
        {
          title: 'Versions serving and traffic share',
          width: 8,
          description: 'model_ready is 1 while a version serves; traffic share is its canary share of cameras.',
          queries: [
            {
              expr: `max by (model, version) (va_inference_model_ready${MODEL})`,
              legend: '{{model}} v{{version}} ready',
            },
            {
              expr: `max by (model, version) (va_inference_traffic_share${MODEL})`,
              legend: '{{model}} v{{version}} share',
            },
          ],
        },
        {
          title: 'Model load failures',
          width: 8,
          description: 'Versions that failed to load, by error class.',
          queries: [
            {
              expr: rate('va_inference_model_load_failures_total', ['model', 'reason'], MODEL),
              legend: '{{model}} {{reason}}',
              emptyWhen: 'every configured model version loaded',
            },
          ],
        },
      ],
    },
    {
      row: 'Batching',
      panels: [
        {
          title: 'Batch size distribution',
          kind: 'heatmap',
          description: 'Requests per executed batch.',
          queries: [
            { expr: `sum by (le) (rate(va_inference_batch_size_bucket${MODEL}[$__rate_interval]))`, legend: '{{le}}' },
          ],
        },
        {
          title: 'Mean batch size',
          description: 'Images per batch (inference count over execution count).',
          queries: [
            {
              expr: `${rate('va_inference_inference_count_total', ['model'], MODEL)} / ${rate('va_inference_execution_count_total', ['model'], MODEL)}`,
              legend: '{{model}}',
            },
          ],
        },
        {
          title: 'Queue delay p95',
          unit: 's',
          description: 'Time a request waited in the batcher queue.',
          queries: [
            { expr: quantile(0.95, 'va_inference_queue_duration_seconds', MODEL, ['model']), legend: '{{model}}' },
          ],
        },
        {
          title: 'Compute per batch p95 by phase',
          unit: 's',
          description: 'input (writing the batch tensor), infer (session.run), output (decode and NMS).',
          queries: [
            {
              expr: quantile(0.95, 'va_inference_compute_duration_seconds', MODEL, ['model', 'phase']),
              legend: '{{model}} {{phase}}',
            },
          ],
        },
        {
          title: 'Images and batches per second',
          unit: 'ops',
          description: 'Triton inference count (images) and execution count (batches).',
          queries: [
            { expr: rate('va_inference_inference_count_total', ['model'], MODEL), legend: '{{model}} images' },
            { expr: rate('va_inference_execution_count_total', ['model'], MODEL), legend: '{{model}} batches' },
          ],
        },
        {
          title: 'Queue depth',
          description: 'Requests waiting in each batcher, and frames waiting in the per-camera queues in front of it.',
          queries: [
            { expr: `max by (model) (va_inference_queue_depth${MODEL})`, legend: '{{model}} batcher' },
            { expr: 'sum(va_inference_frames_pending)', legend: 'frames pending' },
          ],
        },
      ],
    },
    {
      row: 'Frames and requests',
      panels: [
        {
          title: 'Inference per frame',
          unit: 's',
          description: 'A frame in this service, received to detections stored: p95 and mean; objective under 100 ms.',
          queries: [
            {
              expr: quantile(0.95, 'va_inference_frame_latency_seconds', '{stage="receive_to_published"}'),
              legend: 'p95',
            },
            { expr: mean('va_inference_frame_latency_seconds', ['stage']), legend: 'mean {{stage}}' },
          ],
          thresholds: [[0.1, 'red']],
        },
        {
          title: 'Request failures by reason',
          description: 'queue_full, timeout, cancelled, closed, non_finite_output, error.',
          queries: [
            {
              expr: rate('va_inference_request_failure_total', ['model', 'reason'], MODEL),
              legend: '{{model}} {{reason}}',
              emptyWhen: 'no inference request failed',
            },
          ],
        },
        {
          title: 'Detections per second by class',
          description: 'Detections published on va.detections.',
          queries: [{ expr: rate('va_inference_detections_total', ['class']), legend: '{{class}}' }],
        },
        {
          title: 'Embeddings per second',
          description: 'Appearance embeddings computed for detection crops (persons by default).',
          queries: [{ expr: rate('va_inference_embeddings_total', ['model']), legend: '{{model}}' }],
        },
        {
          title: 'gRPC latency p95 by method',
          unit: 's',
          description: 'Detect, Embed, ModelStatus and model management calls.',
          queries: [
            {
              expr: quantile(
                0.95,
                'grpc_server_handling_seconds',
                '{grpc_service="va.inference.v1.InferenceService"}',
                ['grpc_method'],
              ),
              legend: '{{grpc_method}}',
            },
          ],
        },
        {
          title: 'Publish failures',
          description: 'DetectionBatch publishes that failed after retries.',
          queries: [
            {
              expr: rate('va_inference_publish_failures_total', ['reason']),
              legend: '{{reason}}',
              emptyWhen: 'every DetectionBatch was stored by JetStream',
            },
          ],
        },
        {
          title: 'GPU memory',
          unit: 'percentunit',
          max: 1,
          description: 'Used over installed, per card; objective under 80 %.',
          queries: [
            {
              expr: 'max by (instance, gpu) (va_inference_gpu_memory_used_bytes / va_inference_gpu_memory_total_bytes)',
              legend: '{{instance}} GPU {{gpu}}',
              emptyWhen: NO_GPU,
            },
          ],
          thresholds: [[0.8, 'red']],
        },
      ],
    },
  ],
};
