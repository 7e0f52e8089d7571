import { type Dashboard, quantile, rate } from './model.js';

export const tracking: Dashboard = {
  uid: 'va-tracking',
  title: 'Video analytics: tracking',
  description: 'ByteTrack-class tracking per camera over every instance: tracks, timing, ordering, partitions, output.',
  file: 'tracking.json',
  rows: [
    {
      row: 'Tracks',
      panels: [
        {
          title: 'Active tracks by camera',
          stack: true,
          description: 'Confirmed tracks following an object.',
          queries: [{ expr: 'sum by (camera) (va_tracking_active_tracks)', legend: '{{camera}}' }],
        },
        {
          title: 'Tracks started and ended per minute',
          description: 'Started (confirmed) and ended by reason.',
          queries: [
            { expr: `60 * ${rate('va_tracking_tracks_started_total')}`, legend: 'started' },
            { expr: `60 * ${rate('va_tracking_tracks_ended_total', ['reason'])}`, legend: 'ended {{reason}}' },
          ],
        },
        {
          title: 'Capture to tracks',
          unit: 's',
          description: 'Capture timestamp to stored TrackUpdate: p50, p95 (objective 200 ms), p99.',
          queries: [0.5, 0.95, 0.99].map((q) => ({
            expr: quantile(q, 'va_tracking_capture_to_tracks_seconds'),
            legend: `p${q * 100}`,
          })),
          thresholds: [[0.2, 'red']],
        },
        {
          title: 'Association time per frame',
          unit: 's',
          description: 'Tracker time per frame (predict, two associations, births, expiry): p50 and p99.',
          queries: [0.5, 0.99].map((q) => ({
            expr: quantile(q, 'va_tracking_association_seconds'),
            legend: `p${q * 100}`,
          })),
        },
      ],
    },
    {
      row: 'Input',
      panels: [
        {
          title: 'Frames tracked per second',
          unit: 'fps',
          description: 'Per camera.',
          queries: [{ expr: rate('va_tracking_frames_processed_total', ['camera']), legend: '{{camera}}' }],
        },
        {
          title: 'Consumer lag by camera durable',
          description: 'Detections not yet processed (alert VaConsumerLagHigh).',
          queries: [{ expr: 'max by (consumer) (va_tracking_consumer_lag_messages)', legend: '{{consumer}}' }],
        },
        {
          title: 'Reorder window depth',
          description: 'Frames waiting for a missing predecessor, per camera.',
          queries: [{ expr: 'max by (camera) (va_tracking_reorder_depth_frames)', legend: '{{camera}}' }],
        },
        {
          title: 'Refused input',
          description:
            'Detections refused (malformed or out-of-range boxes), unusable embeddings, frames refused by the reorder window, stream restarts.',
          queries: [
            {
              expr: rate('va_tracking_rejected_boxes_total', ['reason']),
              legend: 'box {{reason}}',
              emptyWhen: 'no detection was malformed or out of range',
            },
            {
              expr: rate('va_tracking_dropped_embeddings_total'),
              legend: 'embeddings dropped',
              emptyWhen: 'every embedding was finite',
            },
            {
              expr: rate('va_tracking_reorder_drops_total', ['reason']),
              legend: 'frame {{reason}}',
              emptyWhen: 'no frame was late, duplicated or of a stale epoch',
            },
            {
              expr: rate('va_tracking_stream_resets_total', ['reason']),
              legend: 'reset {{reason}}',
              emptyWhen: 'no stream restarted while tracked',
            },
          ],
        },
      ],
    },
    {
      row: 'Instances and output',
      panels: [
        {
          title: 'Cameras per instance',
          kind: 'bargauge',
          description: 'Cameras each instance owns (rendezvous partitions and leases).',
          queries: [{ expr: 'sum by (instance) (va_tracking_owned_cameras)', legend: '{{instance}}' }],
        },
        {
          title: 'Publish retries',
          description: 'Track and event publishes retried (JetStream slow or away).',
          queries: [{ expr: rate('va_tracking_publish_retries_total'), legend: 'retries' }],
        },
        {
          title: 'Zone events and line crossings per minute',
          description: 'Configured zones (enter, exit) and counting lines (in, out).',
          queries: [
            {
              expr: `60 * ${rate('va_tracking_zone_events_total', ['zone', 'type'])}`,
              legend: '{{zone}} {{type}}',
              emptyWhen: 'no zone is configured (SetZones), or no track entered one',
            },
            {
              expr: `60 * ${rate('va_tracking_line_crossings_total', ['line', 'direction'])}`,
              legend: '{{line}} {{direction}}',
              emptyWhen: 'no counting line is configured, or no track crossed one',
            },
          ],
        },
        {
          title: 'WatchTracks streams',
          description: 'Open live streams and updates dropped for slow readers.',
          queries: [
            { expr: 'sum(va_tracking_watch_streams)', legend: 'streams' },
            { expr: rate('va_tracking_watch_dropped_total'), legend: 'dropped/s' },
          ],
        },
      ],
    },
  ],
};
