import { type Dashboard, NO_GPU, quantile, rate, SERVICE_JOBS } from './model.js';

const NO_DROPS = 'no frame was dropped at this stage (labelled counters appear with the first drop)';
const NO_GATE =
  'the motion gate is off on every camera or has gated nothing yet (VA_INGEST_MOTION_GATE, StreamSpec.motion_gate)';

export const pipelineOverview: Dashboard = {
  uid: 'va-pipeline-overview',
  title: 'Video analytics: pipeline overview',
  description: 'The service-level objectives of DESIGN.md and the frame flow through the five services.',
  file: 'pipeline-overview.json',
  rows: [
    {
      row: 'Objectives',
      panels: [
        {
          title: 'Services up',
          kind: 'stat',
          width: 4,
          description: 'Services Prometheus can scrape (5 when all run).',
          queries: [{ expr: `sum(up{job=~"${SERVICE_JOBS}"})`, legend: 'up' }],
          thresholds: [],
        },
        {
          title: 'Inference per frame p95',
          kind: 'stat',
          width: 4,
          unit: 's',
          description: 'Received to detections stored, 5 min; objective under 100 ms (alert VaInferenceSlow).',
          queries: [{ expr: 'va:inference_frame_seconds:p95_rate5m', legend: 'p95' }],
          thresholds: [[0.1, 'red']],
        },
        {
          title: 'Capture to tracks p95',
          kind: 'stat',
          width: 4,
          unit: 's',
          description:
            'Capture timestamp to stored TrackUpdate, 5 min; objective under 200 ms (alert VaCaptureToTracksSlow).',
          queries: [{ expr: 'va:capture_to_tracks_seconds:p95_rate5m', legend: 'p95' }],
          thresholds: [[0.2, 'red']],
        },
        {
          title: 'Error ratio',
          kind: 'stat',
          width: 4,
          unit: 'percentunit',
          description:
            'Failed gRPC calls and bus messages over all of them, 5 min; objective under 0.1 % (definition in deploy/README.md).',
          queries: [{ expr: 'va:error_ratio:rate5m', legend: 'errors' }],
          thresholds: [[0.001, 'red']],
        },
        {
          title: 'Frames dropped',
          kind: 'stat',
          width: 4,
          unit: 'percentunit',
          description:
            'Share of frames read from cameras that ingest or inference shed, worst camera, 5 min (alert VaFramesDropped above 5 %).',
          queries: [
            { expr: 'max(camera:va_frames_dropped:ratio_rate5m)', legend: 'worst camera', emptyWhen: NO_DROPS },
          ],
          thresholds: [[0.05, 'orange']],
        },
        {
          title: 'GPU memory',
          kind: 'gauge',
          width: 4,
          unit: 'percentunit',
          max: 1,
          description: 'Fullest card; objective under 80 % (alert VaGpuMemoryHigh).',
          queries: [
            {
              expr: 'max(va_inference_gpu_memory_used_bytes / va_inference_gpu_memory_total_bytes)',
              legend: 'fullest GPU',
              emptyWhen: NO_GPU,
            },
          ],
          thresholds: [[0.8, 'red']],
        },
      ],
    },
    {
      row: 'Frames through the stages',
      panels: [
        {
          title: 'Frames per second by stage',
          description: 'Read from cameras, published on va.frames, turned into detections, tracked.',
          unit: 'fps',
          queries: [
            { expr: rate('va_ingest_frames_read_total'), legend: 'ingest read' },
            { expr: rate('va_ingest_frames_published_total'), legend: 'ingest published' },
            { expr: rate('va_inference_frames_published_total'), legend: 'detections published' },
            { expr: rate('va_tracking_frames_processed_total'), legend: 'tracked' },
          ],
        },
        {
          title: 'Frames dropped per second by stage and reason',
          description:
            'Load shedding (newest frame wins) and failures; reasons in the ingest and batching-inference READMEs.',
          unit: 'fps',
          stack: true,
          queries: [
            {
              expr: rate('va_ingest_frames_dropped_total', ['reason']),
              legend: 'ingest {{reason}}',
              emptyWhen: NO_DROPS,
            },
            {
              expr: rate('va_inference_frames_dropped_total', ['reason']),
              legend: 'inference {{reason}}',
              emptyWhen: NO_DROPS,
            },
          ],
        },
        {
          title: 'Frames kept from the detector by the motion gate',
          description:
            'Published frames without motion that skipped detection (tracking predicts them), per camera, against the frames published; ingest README: Motion gate.',
          unit: 'fps',
          queries: [
            { expr: rate('va_ingest_frames_gated_total', ['camera']), legend: 'gated {{camera}}', emptyWhen: NO_GATE },
            { expr: rate('va_ingest_frames_published_total'), legend: 'published (all cameras)' },
          ],
        },
        {
          title: 'Latency from capture, p95',
          description:
            'Capture timestamp to: detections stored (inference), track update stored (tracking), document accepted by Elasticsearch (search, per index).',
          unit: 's',
          queries: [
            {
              expr: quantile(0.95, 'va_inference_frame_latency_seconds', '{stage="capture_to_published"}'),
              legend: 'detections',
            },
            { expr: quantile(0.95, 'va_tracking_capture_to_tracks_seconds'), legend: 'tracks' },
            {
              expr: quantile(0.95, 'va_search_capture_to_indexed_seconds', '', ['index']),
              legend: 'indexed {{index}}',
            },
          ],
        },
        {
          title: 'Consumer lag',
          description:
            'JetStream messages not yet delivered or acknowledged, per durable consumer (alert VaConsumerLagHigh above 1000 for 10 min).',
          queries: [
            { expr: 'max by (consumer) (va_tracking_consumer_lag_messages)', legend: '{{consumer}}' },
            { expr: 'max by (consumer) (va_search_consumer_lag_messages)', legend: '{{consumer}}' },
            { expr: 'max by (consumer) (va_sanity_consumer_lag_messages)', legend: '{{consumer}}' },
          ],
        },
      ],
    },
    {
      row: 'Errors and resources',
      panels: [
        {
          title: 'gRPC calls per second by service and code',
          description: 'Every RPC handled, health checks included.',
          unit: 'reqps',
          queries: [{ expr: rate('grpc_server_handled_total', ['job', 'grpc_code']), legend: '{{job}} {{grpc_code}}' }],
        },
        {
          title: 'Errors per second',
          description:
            'Numerator of the error ratio (server-side gRPC failures, handler errors, failed frames, dead letters, rule errors) against all units of work.',
          unit: 'ops',
          queries: [
            { expr: 'va:errors:rate5m', legend: 'errors' },
            { expr: 'va:requests:rate5m', legend: 'units of work' },
          ],
        },
        {
          title: 'CPU per service',
          description: 'Cores used by each service process.',
          unit: 'percentunit',
          queries: [{ expr: rate('process_cpu_seconds_total', ['job']), legend: '{{job}}' }],
        },
        {
          title: 'Memory per service',
          description: 'Resident memory of each service process; flat under load when queues are bounded.',
          unit: 'bytes',
          queries: [{ expr: 'sum by (job) (process_resident_memory_bytes)', legend: '{{job}}' }],
        },
        {
          title: 'Event loop lag p99',
          description: 'Node.js event loop delay per service; a busy loop delays every message.',
          unit: 's',
          queries: [{ expr: 'max by (job) (nodejs_eventloop_lag_p99_seconds)', legend: '{{job}}' }],
        },
        {
          title: 'GPU memory used',
          description: 'Per card, against its size.',
          unit: 'bytes',
          queries: [
            {
              expr: 'max by (instance, gpu) (va_inference_gpu_memory_used_bytes)',
              legend: '{{instance}} GPU {{gpu}} used',
              emptyWhen: NO_GPU,
            },
            {
              expr: 'max by (instance, gpu) (va_inference_gpu_memory_total_bytes)',
              legend: '{{instance}} GPU {{gpu}} total',
              emptyWhen: NO_GPU,
            },
          ],
        },
      ],
    },
  ],
};
