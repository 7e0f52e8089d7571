import { errorMessage, runMain, ServiceRuntime } from '@va/common';
import { InferenceServiceService } from '@va/proto/va/inference/v1/inference';
import { loadConfig } from './config.js';
import { INFERENCE_ROLES, inferenceService } from './grpc/inference-service.js';
import type { EmbeddingPolicy } from './inference/embedding-policy.js';
import { InferenceMetrics } from './metrics.js';
import { DetectionPublisher } from './pipeline/detection-publisher.js';
import { EmbedderStage } from './pipeline/embedder-stage.js';
import { FramePipeline } from './pipeline/frame-pipeline.js';
import { FrameProcessor } from './pipeline/frame-processor.js';
import { GpuMemoryMonitor } from './gpu/gpu-memory-monitor.js';
import { DecodeBudget } from './preprocess/decode-budget.js';
import { configureImageDecoding } from './preprocess/image.js';
import { ImageIntake } from './preprocess/image-intake.js';
import { ModelRepository } from './repository/model-repository.js';
import { ModelManager } from './serving/model-manager.js';
import { startModels } from './serving/model-startup.js';
import { RolloutStore } from './serving/rollout-store.js';

const SERVICE = 'batching-inference';

// va.frames.* -> per-camera admission -> detector batcher -> embedder batcher (crops) -> va.detections.<camera>
runMain(SERVICE, async () => {
  const config = loadConfig(process.env);
  const cfg = config.inference;
  const runtime = await ServiceRuntime.create(SERVICE, config.base);
  const log = runtime.log;
  configureImageDecoding(cfg.imageThreads);
  const metrics = new InferenceMetrics(runtime.registry, runtime.metricPrefix);
  const nats = await runtime.connectNats(config.nats, ['detections']);
  const gpu = new GpuMemoryMonitor(metrics, log.child({ component: 'gpu-memory' }), cfg.gpuMonitor);
  gpu.start();
  runtime.onShutdown({ name: 'gpu-memory', phase: 'intake', graceful: () => gpu.stop() });

  const rollouts = cfg.rolloutBucket
    ? await RolloutStore.open(nats, cfg.rolloutBucket, config.nats.jetstream.replicas, log)
    : undefined;
  const manager = new ModelManager({
    repository: new ModelRepository(cfg.repository, { sharedDir: cfg.sharedDir }),
    load: { session: cfg.session, ...(cfg.providers ? { providers: cfg.providers } : {}) },
    metrics,
    log,
    ...(rollouts
      ? {
          onRolloutChange: (model, rollout) =>
            void rollouts
              .save(model, rollout)
              .catch((err: unknown) => log.error({ model, err: errorMessage(err) }, 'rollout not shared')),
        }
      : {}),
  });
  await startModels(manager, rollouts, cfg.models, log);

  const policy: EmbeddingPolicy = {
    classes: new Set(cfg.embedding.classes),
    maxPerFrame: cfg.embedding.maxPerFrame,
    minSidePx: cfg.embedding.minSidePx,
    minScore: cfg.embedding.minScore,
  };
  const embedderAt = (priority: number) =>
    cfg.embedder ? new EmbedderStage(manager, cfg.embedder, policy, metrics, log, priority) : undefined;

  const budget = new DecodeBudget(cfg.images.maxDecodedBytesInFlight, (inUse) =>
    metrics.decodedBytesInFlight.set(inUse),
  );
  const intake = new ImageIntake(cfg.images, budget, (source, reason) =>
    metrics.imageRejections.inc({ source, reason }),
  );

  const grpc = runtime.grpcServer(config.grpc);
  grpc.addService(
    InferenceServiceService,
    inferenceService(manager, embedderAt(cfg.grpc.priority), intake, {
      defaultDetector: cfg.detector ?? '',
      defaultEmbedder: cfg.embedder ?? '',
      priority: cfg.grpc.priority,
      maxCrops: cfg.grpc.maxCrops,
    }),
    INFERENCE_ROLES,
  );
  runtime.registerHealth('va.inference.v1.InferenceService');

  const detector = cfg.detector; // config.ts refuses a pipeline without one
  if (cfg.pipeline.enabled && detector) {
    const publisher = new DetectionPublisher(nats.js, metrics, log, cfg.publish, runtime.publishRefusals);
    const processor = new FrameProcessor(manager, embedderAt(cfg.pipeline.priority), publisher, metrics, intake, log, {
      detector,
      priority: cfg.pipeline.priority,
      maxFrameAgeMs: cfg.pipeline.maxFrameAgeMs,
    });
    const pipeline = new FramePipeline(nats.nc, processor, metrics, runtime.consumerMetrics, log, cfg.pipeline);
    runtime.lifecycle.addReadinessCheck(
      'detector',
      () => manager.isServing(detector) || `detector ${detector} is not serving`,
    );
    pipeline.start();
    runtime.onShutdown({ name: 'frame-pipeline', phase: 'intake', graceful: () => pipeline.stop() });
  }
  if (rollouts) runtime.onShutdown({ name: 'rollout-watch', phase: 'intake', graceful: () => rollouts.stop() });
  runtime.onShutdown({ name: 'models', phase: 'flush', graceful: () => manager.close() });

  await grpc.start();
  runtime.running();
});
