import type { Client } from '@elastic/elasticsearch';
import type { ConsumerMetrics, DurableConsumer, Logger, NatsConnectionHandle } from '@va/common';
import type { IndexerConfig, IndicesConfig } from '../config.js';
import type { ElasticsearchHealth } from '../elasticsearch-health.js';
import { TrackPathSampler } from '../documents/track-path-sampler.js';
import { EmbeddingJoin } from '../embeddings/embedding-join.js';
import { TrackSummaries } from '../embeddings/track-summaries.js';
import { elasticsearchSummaryStore } from '../embeddings/track-summary-store.js';
import type { IndexNames } from '../indices/index-names.js';
import type { SearchMetrics } from '../metrics.js';
import { BulkIndexer } from './bulk-indexer.js';
import { DeadLetters } from './dead-letters.js';
import { IndexRouter } from '../indices/index-router.js';
import { MessagePipeline } from './message-pipeline.js';
import { createSourceConsumers } from './source-consumers.js';

export interface SearchIndexerDeps {
  client: Client;
  nats: NatsConnectionHandle;
  health: ElasticsearchHealth;
  names: IndexNames;
  indices: IndicesConfig;
  config: IndexerConfig;
  metrics: SearchMetrics;
  consumerMetrics: ConsumerMetrics;
  log: Logger;
}

/**
 * The indexing half of the service, assembled: JetStream durable consumers -> documents (and the
 * track summaries joined with detection embeddings) -> bulk indexer -> ack, or dead letter then ack.
 */
export class SearchIndexer {
  readonly bulk: BulkIndexer;
  readonly pipeline: MessagePipeline;
  private readonly summaries: TrackSummaries;
  private readonly consumers: Array<DurableConsumer<unknown>>;
  private readonly intake = new AbortController();

  constructor(private readonly deps: SearchIndexerDeps) {
    const { client, nats, health, names, indices, config, metrics, log } = deps;
    const router = new IndexRouter(names, indices.retentionDays, metrics);
    this.bulk = new BulkIndexer({ client, health, config, metrics, log });
    const deadLetters = new DeadLetters({ nats, indexer: this.bulk, names, metrics, log });
    this.pipeline = new MessagePipeline({
      indexer: this.bulk,
      deadLetters,
      metrics,
      log,
      ackWaitMs: config.consumer.ackWaitMs,
      signal: this.intake.signal,
    });
    const join = new EmbeddingJoin({
      framesPerCamera: config.embeddings.joinFramesPerCamera,
      maxCameras: config.embeddings.joinMaxCameras,
      dims: indices.vector.dims,
      metrics,
    });
    this.summaries = new TrackSummaries({
      router,
      store: elasticsearchSummaryStore(client),
      metrics,
      refreshMs: config.embeddings.refreshMs,
      maxTracks: config.embeddings.maxActiveTracks,
    });
    const paths = new TrackPathSampler({
      intervalMs: config.pathIntervalMs,
      maxTracks: config.embeddings.maxActiveTracks,
      metrics,
    });
    this.consumers = createSourceConsumers({
      nats,
      consumerMetrics: deps.consumerMetrics,
      log,
      pipeline: this.pipeline,
      router,
      join,
      summaries: this.summaries,
      paths,
      config,
      metrics,
      signal: this.intake.signal,
    });
  }

  async start(): Promise<void> {
    for (const consumer of this.consumers) await consumer.start();
  }

  /** Shutdown, intake phase: stop pulling; handlers waiting for room or for Elasticsearch give their message back. */
  async stopIntake(): Promise<void> {
    this.intake.abort();
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  /** Shutdown, flush phase: write out what is buffered and ack it, unless Elasticsearch is down (then it is redelivered later). */
  async flush(timeoutMs: number): Promise<void> {
    if (!this.deps.health.available) return;
    await this.bulk.flushAll(AbortSignal.timeout(Math.max(100, timeoutMs)));
    await this.pipeline.drain(AbortSignal.timeout(1_000));
  }

  close(): void {
    this.summaries.close();
    this.bulk.close();
    this.pipeline.close();
  }
}
