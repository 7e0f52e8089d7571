import { join } from 'node:path';
import { DeliverPolicy } from 'nats';
import { codecs, DurableConsumer, runMain, ServiceRuntime, STREAMS, subjects } from '@va/common';
import { SanityServiceService } from '@va/proto/va/sanity/v1/sanity';
import { loadConfig } from './config.js';
import { EvidenceRecorder } from './evidence/evidence-recorder.js';
import { EvidenceStore } from './evidence/evidence-store.js';
import { IngestFrameSource } from './evidence/ingest-frame-source.js';
import { LowConfidenceSampler } from './evidence/low-confidence-sampler.js';
import { CocoExporter } from './export/coco-exporter.js';
import { FlagFolder } from './flags/flag-folder.js';
import { FlagPublisher } from './flags/flag-publisher.js';
import { FlagReplay } from './flags/flag-replay.js';
import { FlagStore } from './flags/flag-store.js';
import { SANITY_ROLES, sanityGrpcService } from './grpc/sanity-grpc-service.js';
import { DetectionHistory } from './intake/detection-history.js';
import { SanityPipeline } from './intake/sanity-pipeline.js';
import { registryHooks, SanityMetrics } from './metrics.js';
import { ReviewService } from './review/review-service.js';
import { RuleRegistry } from './rules/rule-registry.js';

const SERVICE = 'sanity-check';
/** Detection batches kept per camera to join track updates with their frame's detections. */
const DETECTION_HISTORY = 128;

runMain(SERVICE, async () => {
  const config = loadConfig(process.env);
  const s = config.sanity;
  const runtime = await ServiceRuntime.create(SERVICE, config.base);
  const log = runtime.log;
  const metrics = new SanityMetrics(runtime.registry, runtime.metricPrefix);
  metrics.driftThreshold.set({ metric: 'confidence' }, s.rules.drift.scoreThreshold);
  metrics.driftThreshold.set({ metric: 'box-size' }, s.rules.drift.boxThreshold);
  metrics.initRules(s.rules.enabled, s.rules.severities);
  const nats = await runtime.connectNats(config.nats, ['detections', 'tracks', 'flags', 'reviews', 'deadLetters']);

  // 1. The flag view, rebuilt from VA_FLAGS + VA_REVIEWS before anything else may change it.
  const store = new FlagStore(s.flagStoreMax);
  metrics.sources.store = store;
  const replay = new FlagReplay(nats, store, metrics, runtime.consumerMetrics, log.child({ component: 'flag-replay' }));
  runtime.lifecycle.addReadinessCheck('flag-view', replay.readinessCheck);
  runtime.onShutdown({ name: 'flag-replay', phase: 'flush', graceful: () => replay.stop() });
  await replay.start();

  // 2. Evidence: flagged or sampled frames, fetched from ingest as JPEG, on disk. Raw frames never come here.
  const evidence = await EvidenceStore.open(join(s.dataDir, 'evidence'), s.evidence);
  metrics.sources.evidence = evidence;
  const recorder = s.framesEnabled
    ? new EvidenceRecorder(
        new IngestFrameSource(nats.nc, s.evidence.fetchTimeoutMs),
        evidence,
        metrics,
        log.child({ component: 'evidence' }),
        s.evidence,
      )
    : undefined;
  if (recorder) runtime.onShutdown({ name: 'evidence', phase: 'flush', graceful: () => recorder.drain() });

  // 3. Detections and tracks -> rules -> de-dup and rate limit -> va.flags.<camera>.
  const publisher = new FlagPublisher(
    nats.js,
    metrics,
    log.child({ component: 'flag-publisher' }),
    { retryMs: 200, maxRetryMs: 5_000 },
    runtime.publishRefusals,
  );
  const pipeline = new SanityPipeline({
    registry: new RuleRegistry(
      s.rules,
      s.maxCameras,
      registryHooks(metrics, log.child({ component: 'rules' }), s.rules.latencySlo.quantile),
    ),
    folder: new FlagFolder(s.folder),
    publisher,
    store,
    history: new DetectionHistory(DETECTION_HISTORY, s.maxCameras),
    recorder,
    sampler: new LowConfidenceSampler(s.sampler),
    metrics,
    log: log.child({ component: 'pipeline' }),
  });
  const deliverPolicy = s.startFrom === 'all' ? DeliverPolicy.All : DeliverPolicy.New;
  const detections = new DurableConsumer(nats, {
    stream: STREAMS.detections.name,
    durable: 'sanity-check-detections',
    filterSubject: subjects.detections('*'),
    codec: codecs.detectionBatch,
    metrics: runtime.consumerMetrics,
    log,
    deliverPolicy,
    handle: (batch) => pipeline.onDetections(batch),
  });
  const tracks = new DurableConsumer(nats, {
    stream: STREAMS.tracks.name,
    durable: 'sanity-check-tracks',
    filterSubject: subjects.tracks('*'),
    codec: codecs.trackUpdate,
    metrics: runtime.consumerMetrics,
    log,
    deliverPolicy,
    handle: (update) => pipeline.onTracks(update),
  });
  for (const [name, consumer] of [
    ['detections', detections],
    ['tracks', tracks],
  ] as const) {
    // A publish retrying against a dead NATS holds the consumer; past the grace period it gives up.
    runtime.onShutdown({ name, phase: 'intake', graceful: () => consumer.stop(), force: () => publisher.stop() });
  }
  runtime.onShutdown({
    name: 'flag-updates',
    phase: 'flush',
    graceful: () => pipeline.stop(),
    force: () => publisher.stop(),
  });
  await detections.start();
  await tracks.start();
  pipeline.start(s.updateIntervalMs);

  // 4. The review loop: list, confirm or reject, export a COCO labeling set.
  const grpc = runtime.grpcServer(config.grpc);
  runtime.registerHealth('va.sanity.v1.SanityService');
  grpc.addService(
    SanityServiceService,
    sanityGrpcService({
      store,
      reviews: new ReviewService(nats.js, store, metrics, runtime.publishRefusals),
      exporter: new CocoExporter(store, evidence, { dir: join(s.dataDir, 'exports'), keep: s.export.keep }),
      metrics,
      maxImages: s.export.maxImages,
    }),
    SANITY_ROLES,
  );
  await grpc.start();
  runtime.running();
  log.info({ rules: [...s.rules.enabled], frames: s.framesEnabled, dataDir: s.dataDir }, 'sanity-check running');
});
