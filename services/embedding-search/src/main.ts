import { createClient, createElasticsearchClient, runMain, ServiceRuntime } from '@va/common';
import { InferenceServiceClient } from '@va/proto/va/inference/v1/inference';
import { SearchServiceService } from '@va/proto/va/search/v1/search';
import { loadConfig } from './config.js';
import { ElasticsearchHealth } from './elasticsearch-health.js';
import { SearchIndexer } from './indexer/search-indexer.js';
import { IndexNames } from './indices/index-names.js';
import { applyIndexTemplates } from './indices/index-templates.js';
import { RetentionSweeper } from './indices/retention-sweeper.js';
import { SearchMetrics } from './metrics.js';
import { CameraDirectory } from './search/camera-directory.js';
import { Embedder } from './search/embedder.js';
import { EventSearch } from './search/event-search.js';
import { EventWatch } from './search/event-watch.js';
import { SEARCH_ROLES, searchService } from './search/search-service.js';
import { SimilarSearch } from './search/similar-search.js';
import { TrackLookup } from './search/track-lookup.js';

const SERVICE = 'embedding-search';

runMain(SERVICE, async () => {
  const config = loadConfig(process.env);
  const { indices, indexer: indexerConfig, query } = config.search;
  const runtime = await ServiceRuntime.create(SERVICE, config.base);
  const log = runtime.log;
  const metrics = new SearchMetrics(runtime.registry, runtime.metricPrefix);
  const nats = await runtime.connectNats(config.nats, [
    'detections',
    'tracks',
    'trackEvents',
    'flags',
    'reviews',
    'deadLetters',
  ]);

  // Elasticsearch: templates applied at start-up and after every outage; until then indexing waits.
  const es = createElasticsearchClient(config.elasticsearch);
  const names = new IndexNames(indices.prefix);
  const health = new ElasticsearchHealth({ probe: () => applyIndexTemplates(es, names, indices, log), log, metrics });
  runtime.lifecycle.addReadinessCheck('elasticsearch', health.readinessCheck);
  health.start();
  const retention = new RetentionSweeper({
    client: es,
    names,
    retentionDays: indices.retentionDays,
    intervalMs: indices.retentionSweepMs,
    metrics,
    log,
  });
  retention.start();

  // Indexer: JetStream durable consumers -> documents -> bulk indexer -> ack (or dead letter, then ack).
  const indexer = new SearchIndexer({
    client: es,
    nats,
    health,
    names,
    indices,
    config: indexerConfig,
    metrics,
    consumerMetrics: runtime.consumerMetrics,
    log,
  });
  await indexer.start();

  // Queries: gRPC va.search.v1.SearchService; image queries are embedded by the inference service.
  const inference = createClient(InferenceServiceClient, config.inference);
  const cameras = query.validateCameras ? new CameraDirectory(es, names) : undefined;
  const grpc = runtime.grpcServer(config.grpc);
  grpc.addService(
    SearchServiceService,
    searchService({
      similar: new SimilarSearch({
        client: es,
        names,
        embedder: new Embedder({
          client: inference,
          timeoutMs: query.embedTimeoutMs,
          maxImageBytes: query.maxImageBytes,
          dims: indices.vector.dims,
        }),
        cameras,
        limits: query,
      }),
      events: new EventSearch({ client: es, names, cameras, limits: query }),
      tracks: new TrackLookup({ client: es, names, limits: query }),
      watch: new EventWatch({ nc: nats.nc, consumerMetrics: runtime.consumerMetrics, metrics, limits: query }),
      metrics,
    }),
    SEARCH_ROLES,
  );
  runtime.registerHealth('va.search.v1.SearchService');

  runtime.onShutdown({ name: 'indexer-intake', phase: 'intake', graceful: () => indexer.stopIntake() });
  runtime.onShutdown({
    name: 'indexer-flush',
    phase: 'flush',
    graceful: () => indexer.flush(config.base.shutdownGraceMs * 0.7),
  });
  runtime.onShutdown({
    name: 'elasticsearch',
    phase: 'connections',
    graceful: async () => {
      health.close();
      indexer.close();
      inference.close();
      await retention.stop();
      await es.close();
    },
  });

  await grpc.start();
  runtime.running();
});
