import { type Dashboard, rate } from './model.js';

const CAM = '{camera=~"$camera"}';

export const perCamera: Dashboard = {
  uid: 'va-camera',
  title: 'Video analytics: per camera',
  description:
    'One camera (or several) through the pipeline: stream state, frame rates, drops, tracks, latency and drift.',
  file: 'per-camera.json',
  variables: [{ name: 'camera', label: 'Camera', query: 'label_values(va_ingest_frames_read_total, camera)' }],
  rows: [
    {
      row: 'Stream',
      panels: [
        {
          title: 'Stream state',
          kind: 'stat',
          width: 8,
          description:
            'Current ingest state of each stream (connecting, running, backoff, failed, completed, stopped).',
          queries: [
            { expr: `max by (camera, state) (va_ingest_stream_state${CAM}) == 1`, legend: '{{camera}} {{state}}' },
          ],
        },
        {
          title: 'Decode and publish fps',
          width: 8,
          unit: 'fps',
          description: 'Frames per second read from ffmpeg and published, last 5 s (ingest).',
          queries: [
            { expr: `va_ingest_decode_fps${CAM}`, legend: '{{camera}} decoded' },
            { expr: `va_ingest_publish_fps${CAM}`, legend: '{{camera}} published' },
          ],
        },
        {
          title: 'Source restarts',
          width: 8,
          description: 'Reconnects after a dead, stalled or failed source.',
          queries: [
            {
              expr: rate('va_ingest_source_restarts_total', ['camera'], CAM),
              legend: '{{camera}}',
              emptyWhen: 'no source of the selected cameras restarted (the counter appears with the first restart)',
            },
          ],
        },
      ],
    },
    {
      row: 'Frames',
      panels: [
        {
          title: 'Frames per second by stage',
          unit: 'fps',
          description: 'Published by ingest, turned into detections, tracked.',
          queries: [
            { expr: rate('va_ingest_frames_published_total', ['camera'], CAM), legend: '{{camera}} ingest' },
            { expr: rate('va_inference_frames_published_total', ['camera'], CAM), legend: '{{camera}} detections' },
            { expr: rate('va_tracking_frames_processed_total', ['camera'], CAM), legend: '{{camera}} tracked' },
          ],
        },
        {
          title: 'Frames dropped per second by reason',
          unit: 'fps',
          stack: true,
          description:
            'Shed by ingest or inference; the share of frames read is alerted on above 5 % (VaFramesDropped).',
          queries: [
            {
              expr: rate('va_ingest_frames_dropped_total', ['camera', 'reason'], CAM),
              legend: '{{camera}} ingest {{reason}}',
              emptyWhen: 'ingest dropped no frame of the selected cameras',
            },
            {
              expr: rate('va_inference_frames_dropped_total', ['camera', 'reason'], CAM),
              legend: '{{camera}} inference {{reason}}',
              emptyWhen: 'inference dropped no frame of the selected cameras',
            },
          ],
        },
        {
          title: 'Frames tracking gave up on',
          description: 'Late frames dropped, missing sequence numbers skipped, refused (late, duplicate, stale epoch).',
          queries: [
            {
              expr: rate('va_tracking_late_frames_total', ['camera'], CAM),
              legend: '{{camera}} late',
              emptyWhen: 'no frame arrived after its turn',
            },
            {
              expr: rate('va_tracking_skipped_frames_total', ['camera'], CAM),
              legend: '{{camera}} skipped',
              emptyWhen: 'no sequence number was missing long enough to be given up on',
            },
            {
              expr: rate('va_tracking_reorder_drops_total', ['camera', 'reason'], CAM),
              legend: '{{camera}} {{reason}}',
              emptyWhen: 'no frame was refused by the reorder window',
            },
          ],
        },
        {
          title: 'Tracking consumer lag',
          description: 'Detections of the camera not yet processed by tracking (its durable consumer).',
          queries: [
            {
              expr: 'max by (consumer) (va_tracking_consumer_lag_messages{consumer=~"tracking-$camera"})',
              legend: '{{consumer}}',
            },
          ],
        },
      ],
    },
    {
      row: 'Tracks and quality',
      panels: [
        {
          title: 'Active and lost tracks',
          description: 'Confirmed tracks following an object, and those currently lost.',
          queries: [
            { expr: `sum by (camera) (va_tracking_active_tracks${CAM})`, legend: '{{camera}} active' },
            { expr: `sum by (camera) (va_tracking_lost_tracks${CAM})`, legend: '{{camera}} lost' },
          ],
        },
        {
          title: 'Tracks started and ended per minute',
          description:
            'Tracks confirmed, and ended by reason (expired, duplicate, gap, stream_restart, handover, idle).',
          queries: [
            { expr: `60 * ${rate('va_tracking_tracks_started_total', ['camera'], CAM)}`, legend: '{{camera}} started' },
            {
              expr: `60 * ${rate('va_tracking_tracks_ended_total', ['camera', 'reason'], CAM)}`,
              legend: '{{camera}} ended {{reason}}',
            },
          ],
        },
        {
          title: 'Capture to tracks quantile',
          unit: 's',
          description:
            "sanity-check's latency rule: the configured quantile (p95) of capture to tracks over the latest track updates; objective 200 ms.",
          queries: [
            {
              expr: `max by (camera, quantile) (va_sanity_capture_to_tracks_quantile_seconds${CAM})`,
              legend: '{{camera}} p{{quantile}}',
            },
          ],
          thresholds: [[0.2, 'red']],
        },
        {
          title: 'Drift (PSI against the baseline)',
          description:
            'Population Stability Index of the confidence and box-size distributions against the first detections; the flag fires at the threshold.',
          queries: [
            { expr: `max by (camera, metric) (va_sanity_drift_psi${CAM})`, legend: '{{camera}} {{metric}}' },
            { expr: 'max by (metric) (va_sanity_drift_psi_threshold)', legend: 'threshold {{metric}}' },
          ],
        },
      ],
    },
  ],
};
