import { type Dashboard, mean, quantile, rate } from './model.js';

export const searchIndexing: Dashboard = {
  uid: 'va-search',
  title: 'Video analytics: search and indexing',
  description:
    'embedding-search: bulk indexing into Elasticsearch, back-pressure, dead letters, embedding joins, queries.',
  file: 'search-indexing.json',
  rows: [
    {
      row: 'Indexing',
      panels: [
        {
          title: 'Elasticsearch reachable',
          kind: 'stat',
          width: 6,
          description: '0 while indexing is paused because Elasticsearch is away (messages wait in JetStream).',
          queries: [{ expr: 'min(va_search_elasticsearch_up)', legend: 'up' }],
          thresholds: [],
        },
        {
          title: 'Documents indexed per second',
          width: 18,
          stack: true,
          description:
            'Accepted documents by kind and result (created; updated = a redelivery overwrote its document; superseded).',
          queries: [
            { expr: rate('va_search_indexed_documents_total', ['index', 'result']), legend: '{{index}} {{result}}' },
          ],
        },
        {
          title: 'Capture to indexed p95',
          unit: 's',
          description: 'Event time to accepted by Elasticsearch, per kind.',
          queries: [
            { expr: quantile(0.95, 'va_search_capture_to_indexed_seconds', '', ['index']), legend: '{{index}}' },
          ],
        },
        {
          title: 'Bulk requests',
          unit: 's',
          description: 'Bulk latency p95 by outcome and mean documents per request (right).',
          queries: [
            { expr: quantile(0.95, 'va_search_bulk_duration_seconds', '', ['outcome']), legend: 'p95 {{outcome}}' },
            { expr: mean('va_search_bulk_documents'), legend: 'documents per bulk' },
          ],
        },
        {
          title: 'Consumer lag',
          description: 'Messages not yet delivered or acked per durable consumer (alert VaConsumerLagHigh).',
          queries: [{ expr: 'max by (consumer) (va_search_consumer_lag_messages)', legend: '{{consumer}}' }],
        },
        {
          title: 'Buffers',
          description: 'Documents and bytes held for bulk requests, messages not yet acked (bounded).',
          queries: [
            { expr: 'sum(va_search_bulk_buffer_documents)', legend: 'documents' },
            { expr: 'sum(va_search_unacked_messages)', legend: 'unacked messages' },
            { expr: 'sum(va_search_bulk_buffer_bytes) / 1024', legend: 'KiB' },
          ],
        },
      ],
    },
    {
      row: 'Failures',
      panels: [
        {
          title: 'Failed bulk requests',
          description: 'Whole requests that failed (retried, never lost).',
          queries: [
            {
              expr: rate('va_search_bulk_failures_total', ['reason']),
              legend: '{{reason}}',
              emptyWhen: 'no bulk request failed as a whole',
            },
          ],
        },
        {
          title: 'Refused and retried documents',
          description: 'Documents Elasticsearch refused (by status) and documents sent again.',
          queries: [
            {
              expr: rate('va_search_bulk_item_failures_total', ['index', 'status']),
              legend: '{{index}} {{status}}',
              emptyWhen: 'Elasticsearch refused no document',
            },
            {
              expr: rate('va_search_bulk_retries_total', ['index', 'reason']),
              legend: 'retry {{index}} {{reason}}',
              emptyWhen: 'no document needed a retry',
            },
          ],
        },
        {
          title: 'Dead letters',
          description:
            'Documents given up on (kept in VA_DEAD_LETTERS and the dead-letters index), and dead letters that could not be indexed.',
          queries: [
            {
              expr: rate('va_search_dead_letters_total', ['index', 'reason']),
              legend: '{{index}} {{reason}}',
              emptyWhen: 'no document was dead-lettered',
            },
            { expr: rate('va_search_dead_letter_index_failures_total'), legend: 'not indexed' },
          ],
        },
        {
          title: 'Retention',
          description: 'Documents not written because their day is past retention, and daily indices deleted.',
          queries: [
            {
              expr: rate('va_search_expired_documents_total', ['index']),
              legend: 'expired {{index}}',
              emptyWhen: 'no document arrived older than its retention',
            },
            {
              expr: `60 * ${rate('va_search_retention_deleted_indices_total', ['index'])}`,
              legend: 'deleted/min {{index}}',
              emptyWhen: 'no daily index is past retention yet',
            },
          ],
        },
      ],
    },
    {
      row: 'Tracks, embeddings and queries',
      panels: [
        {
          title: 'Embedding joins by outcome',
          description:
            'Track updates matched with their detection embeddings (on time, late, missed, no embedding, wrong dims).',
          queries: [{ expr: rate('va_search_embedding_joins_total', ['outcome']), legend: '{{outcome}}' }],
        },
        {
          title: 'Track summaries',
          description: 'Tracks in memory and summary writes by reason (new, embedding, refresh, final, evicted).',
          queries: [
            { expr: 'sum(va_search_active_tracks)', legend: 'active tracks' },
            { expr: rate('va_search_track_summary_writes_total', ['reason']), legend: 'writes/s {{reason}}' },
          ],
        },
        {
          title: 'Query latency p95',
          unit: 's',
          description: 'SearchSimilar, SearchEvents, GetTrack by outcome.',
          queries: [
            {
              expr: quantile(0.95, 'va_search_query_duration_seconds', '', ['method', 'outcome']),
              legend: '{{method}} {{outcome}}',
            },
          ],
        },
        {
          title: 'WatchEvents streams',
          description: 'Live event streams and events dropped for slow readers.',
          queries: [
            { expr: 'sum(va_search_watch_streams)', legend: 'streams' },
            { expr: rate('va_search_watch_dropped_events_total'), legend: 'dropped/s' },
          ],
        },
      ],
    },
  ],
};
