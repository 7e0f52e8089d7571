import { type Dashboard, quantile, rate } from './model.js';

export const sanityFlags: Dashboard = {
  uid: 'va-sanity',
  title: 'Video analytics: sanity flags',
  description:
    'Automated review: flags by rule and severity, drift, the latency rule, review decisions, evidence and labeling exports.',
  file: 'sanity-flags.json',
  rows: [
    {
      row: 'Flags',
      panels: [
        {
          title: 'Severity-1 flags in the last hour',
          kind: 'stat',
          width: 6,
          description: 'Flags to act on now (frozen, dark or blank cameras by default); alert SanitySeverity1Flag.',
          queries: [{ expr: 'sum(increase(va_sanity_flags_total{severity="1"}[1h]))', legend: 'severity 1' }],
          thresholds: [[1, 'red']],
        },
        {
          title: 'New flags per hour by rule and severity',
          width: 18,
          stack: true,
          description: 'Every enabled rule starts at 0, so quiet rules show as 0.',
          queries: [
            {
              expr: `3600 * ${rate('va_sanity_flags_total', ['rule', 'severity'])}`,
              legend: '{{rule}} (sev {{severity}})',
            },
          ],
        },
        {
          title: 'Rule firings and rate limiting',
          description: 'Every firing (folded repeats included) and findings folded into the per-camera overflow flag.',
          queries: [
            {
              expr: rate('va_sanity_flag_occurrences_total', ['rule']),
              legend: '{{rule}}',
              emptyWhen: 'no rule fired',
            },
            {
              expr: rate('va_sanity_flags_rate_limited_total', ['rule']),
              legend: 'rate-limited {{rule}}',
              emptyWhen: 'no camera and rule exceeded its new-flag rate',
            },
          ],
        },
        {
          title: 'Flags published and open',
          description:
            'Flag messages acked by JetStream (new, count updates), failed attempts (retried), flags still folding repeats.',
          queries: [
            {
              expr: rate('va_sanity_flag_publishes_total', ['kind']),
              legend: '{{kind}}',
              emptyWhen: 'no rule fired, so no flag was published',
            },
            { expr: rate('va_sanity_flag_publish_errors_total'), legend: 'errors' },
            { expr: 'sum(va_sanity_open_flags)', legend: 'open' },
          ],
        },
      ],
    },
    {
      row: 'Model health',
      panels: [
        {
          title: 'Drift (PSI) by camera',
          description:
            'Confidence and box-size distributions against the baseline; alert SanityDrift above the threshold for 15 min.',
          queries: [
            { expr: 'max by (camera, metric) (va_sanity_drift_psi)', legend: '{{camera}} {{metric}}' },
            { expr: 'max by (metric) (va_sanity_drift_psi_threshold)', legend: 'threshold {{metric}}' },
          ],
        },
        {
          title: 'Latency rule: capture to tracks quantile',
          unit: 's',
          description: 'The latency-slo rule quantile per camera.',
          queries: [
            {
              expr: 'max by (camera, quantile) (va_sanity_capture_to_tracks_quantile_seconds)',
              legend: '{{camera}} p{{quantile}}',
            },
          ],
          thresholds: [[0.2, 'red']],
        },
        {
          title: 'Stage latency seen by sanity-check p95',
          unit: 's',
          description: 'Capture to detections and to tracks, as the messages reach the rules.',
          queries: [{ expr: quantile(0.95, 'va_sanity_stage_latency_seconds', '', ['stage']), legend: '{{stage}}' }],
        },
        {
          title: 'Rule errors and redeliveries',
          description: 'Rules that threw (the others still run) and redelivered messages skipped.',
          queries: [
            {
              expr: rate('va_sanity_rule_errors_total', ['rule']),
              legend: 'error {{rule}}',
              emptyWhen: 'no rule threw',
            },
            {
              expr: rate('va_sanity_duplicate_messages_total', ['kind']),
              legend: 'duplicate {{kind}}',
              emptyWhen: 'no message was delivered twice',
            },
          ],
        },
      ],
    },
    {
      row: 'Review and evidence',
      panels: [
        {
          title: 'Flags by review status',
          stack: true,
          description: 'Flags in the view: pending, confirmed, rejected.',
          queries: [{ expr: 'sum by (review_status) (va_sanity_stored_flags)', legend: '{{review_status}}' }],
        },
        {
          title: 'Review decisions per hour',
          description: 'Decisions made through ReviewFlag on this instance.',
          queries: [
            {
              expr: `3600 * ${rate('va_sanity_reviews_total', ['decision', 'rule'])}`,
              legend: '{{decision}} {{rule}}',
              emptyWhen: 'nobody reviewed a flag',
            },
          ],
        },
        {
          title: 'Frame ring and evidence store',
          unit: 'bytes',
          description:
            'Published frames ingest keeps to serve as evidence, and stored evidence images (bounded by age and size).',
          queries: [
            { expr: 'sum(va_ingest_frame_ring_bytes)', legend: 'ingest frame ring' },
            { expr: 'sum(va_sanity_evidence_store_bytes)', legend: 'evidence store' },
          ],
        },
        {
          title: 'Evidence written and missing per hour',
          description: 'Images kept (flag, low-confidence sample) and evidence that could not be kept, by reason.',
          queries: [
            {
              expr: `3600 * ${rate('va_sanity_evidence_writes_total', ['kind'])}`,
              legend: 'written {{kind}}',
              emptyWhen: 'no flag was raised and no low-confidence sample was due',
            },
            {
              expr: `3600 * ${rate('va_sanity_evidence_missing_total', ['reason'])}`,
              legend: 'missing {{reason}}',
              emptyWhen: "every flagged frame was still in ingest's ring",
            },
          ],
        },
        {
          title: 'Labeling exports',
          description: 'COCO exports by outcome and images exported by source (flag, low-confidence).',
          queries: [
            {
              expr: 'sum by (outcome) (va_sanity_exports_total)',
              legend: 'exports {{outcome}}',
              emptyWhen: 'nobody exported a labeling set',
            },
            {
              expr: 'sum by (source) (va_sanity_exported_images_total)',
              legend: 'images {{source}}',
              emptyWhen: 'nobody exported a labeling set',
            },
          ],
        },
      ],
    },
  ],
};
