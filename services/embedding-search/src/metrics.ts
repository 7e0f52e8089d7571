import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_S } from '@va/common';

/** End-to-end latencies reach seconds when Elasticsearch is slow or was down. */
const PIPELINE_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300];

/**
 * Every va_search_* metric except the shared consumer counters (messages received, malformed,
 * consumer lag), which ServiceRuntime.consumerMetrics owns. `index` labels are kinds
 * (detections, tracks, ...), never concrete daily index names, so cardinality stays fixed.
 */
export class SearchMetrics {
  readonly indexedDocs: Counter<'index' | 'result'>;
  readonly bulkDuration: Histogram<'outcome'>;
  readonly bulkDocs: Histogram;
  readonly bulkFailures: Counter<'reason'>;
  readonly itemFailures: Counter<'index' | 'status'>;
  readonly retries: Counter<'index' | 'reason'>;
  readonly deadLetters: Counter<'index' | 'reason'>;
  readonly deadLetterIndexFailures: Counter;
  readonly expiredDocs: Counter<'index'>;
  readonly captureToIndexed: Histogram<'index'>;
  readonly bufferDocs: Gauge;
  readonly bufferBytes: Gauge;
  readonly unackedMessages: Gauge;
  readonly elasticsearchUp: Gauge;
  readonly joins: Counter<'outcome'>;
  readonly joinEvictions: Counter<'what'>;
  readonly activeTracks: Gauge;
  readonly summaryWrites: Counter<'reason'>;
  readonly pathPoints: Counter<'outcome'>;
  readonly detectionsNotIndexed: Counter;
  readonly queryDuration: Histogram<'method' | 'outcome'>;
  readonly watchStreams: Gauge;
  readonly watchDropped: Counter;
  readonly retentionDeleted: Counter<'index'>;

  constructor(registry: Registry, prefix: string) {
    const r = [registry];
    this.indexedDocs = new Counter({
      name: `${prefix}indexed_documents_total`,
      help: 'Documents Elasticsearch accepted, by kind of index and result (created, updated by a redelivery, superseded by a newer version).',
      labelNames: ['index', 'result'],
      registers: r,
    });
    this.bulkDuration = new Histogram({
      name: `${prefix}bulk_duration_seconds`,
      help: 'Time of one _bulk request.',
      labelNames: ['outcome'],
      buckets: LATENCY_BUCKETS_S,
      registers: r,
    });
    this.bulkDocs = new Histogram({
      name: `${prefix}bulk_documents`,
      help: 'Documents per _bulk request.',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers: r,
    });
    this.bulkFailures = new Counter({
      name: `${prefix}bulk_failures_total`,
      help: '_bulk requests that failed as a whole (Elasticsearch unreachable, overloaded, refused); the batch is retried.',
      labelNames: ['reason'],
      registers: r,
    });
    this.itemFailures = new Counter({
      name: `${prefix}bulk_item_failures_total`,
      help: 'Documents a _bulk response rejected, by kind of index and HTTP status.',
      labelNames: ['index', 'status'],
      registers: r,
    });
    this.retries = new Counter({
      name: `${prefix}bulk_retries_total`,
      help: 'Documents sent again after a retryable rejection (429, 5xx) or a failed request.',
      labelNames: ['index', 'reason'],
      registers: r,
    });
    this.deadLetters = new Counter({
      name: `${prefix}dead_letters_total`,
      help: 'Documents given up on and dead-lettered (NATS VA_DEAD_LETTERS and the dead-letters index).',
      labelNames: ['index', 'reason'],
      registers: r,
    });
    this.deadLetterIndexFailures = new Counter({
      name: `${prefix}dead_letter_index_failures_total`,
      help: 'Dead letters that reached NATS but not the dead-letters index.',
      registers: r,
    });
    this.expiredDocs = new Counter({
      name: `${prefix}expired_documents_total`,
      help: 'Documents not indexed because their time is already past the retention of their index.',
      labelNames: ['index'],
      registers: r,
    });
    this.captureToIndexed = new Histogram({
      name: `${prefix}capture_to_indexed_seconds`,
      help: 'From frame capture (or event time) to Elasticsearch accepting the document.',
      labelNames: ['index'],
      buckets: PIPELINE_BUCKETS_S,
      registers: r,
    });
    this.bufferDocs = new Gauge({
      name: `${prefix}bulk_buffer_documents`,
      help: 'Documents held by the bulk indexer (queued, in flight or waiting to retry); bounded by VA_SEARCH_BUFFER_MAX_DOCS.',
      registers: r,
    });
    this.bufferBytes = new Gauge({
      name: `${prefix}bulk_buffer_bytes`,
      help: 'Serialized size of the documents held by the bulk indexer; bounded by VA_SEARCH_BUFFER_MAX_BYTES.',
      registers: r,
    });
    this.unackedMessages = new Gauge({
      name: `${prefix}unacked_messages`,
      help: 'Bus messages received whose documents are not yet all accepted (not acked yet).',
      registers: r,
    });
    this.elasticsearchUp = new Gauge({
      name: `${prefix}elasticsearch_up`,
      help: '1 while Elasticsearch accepts requests and the index templates are in place, else 0 (consumption pauses).',
      registers: r,
    });
    this.joins = new Counter({
      name: `${prefix}embedding_joins_total`,
      help: 'Track matches joined with their detection embedding: joined (detections first), late (track update first), no_embedding, missed (evicted before the other side came).',
      labelNames: ['outcome'],
      registers: r,
    });
    this.joinEvictions = new Counter({
      name: `${prefix}join_cache_evictions_total`,
      help: 'Entries dropped from the bounded detection/track join caches.',
      labelNames: ['what'],
      registers: r,
    });
    this.activeTracks = new Gauge({
      name: `${prefix}active_tracks`,
      help: 'Tracks whose summary is held in memory; bounded by VA_SEARCH_MAX_ACTIVE_TRACKS.',
      registers: r,
    });
    this.summaryWrites = new Counter({
      name: `${prefix}track_summary_writes_total`,
      help: 'Track summary (representative embedding) documents written, by reason: new, embedding, refresh, final, evicted.',
      labelNames: ['reason'],
      registers: r,
    });
    this.pathPoints = new Counter({
      name: `${prefix}track_points_total`,
      help: 'Track points: indexed (documents written: first, sampled, last and zone/line event points) and deferred (not written when they arrived, VA_SEARCH_PATH_INTERVAL_MS; the newest detected one is written later as the last point, the rest stay in JetStream only).',
      labelNames: ['outcome'],
      registers: r,
    });
    this.detectionsNotIndexed = new Counter({
      name: `${prefix}detection_batches_not_indexed_total`,
      help: 'Per-frame detection batches of cameras not listed in VA_SEARCH_INDEX_DETECTIONS (their embeddings still feed the track summaries).',
      registers: r,
    });
    this.queryDuration = new Histogram({
      name: `${prefix}query_duration_seconds`,
      help: 'Time to answer a search RPC, Elasticsearch and embedding included.',
      labelNames: ['method', 'outcome'],
      buckets: LATENCY_BUCKETS_S,
      registers: r,
    });
    this.watchStreams = new Gauge({ name: `${prefix}watch_streams`, help: 'Open WatchEvents streams.', registers: r });
    this.watchDropped = new Counter({
      name: `${prefix}watch_dropped_events_total`,
      help: 'Live events not sent to a WatchEvents client that could not keep up (its queue was full).',
      registers: r,
    });
    this.retentionDeleted = new Counter({
      name: `${prefix}retention_deleted_indices_total`,
      help: 'Daily indices deleted because they passed their retention.',
      labelNames: ['index'],
      registers: r,
    });
  }
}
