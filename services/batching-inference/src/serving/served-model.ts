import { FailedPreconditionError } from '@va/common';
import { ModelState, type ModelVersionStatus } from '@va/proto/va/inference/v1/inference';
import { DynamicBatcher, type BatchResult, type SubmitOptions } from '../batcher/dynamic-batcher.js';
import { realScheduler, type Scheduler } from '../batcher/scheduler.js';
import { DetectorHead, type DetectInput, type DetectOutput } from '../inference/detector-head.js';
import { EmbedderHead } from '../inference/embedder-head.js';
import type { InferenceMetrics } from '../metrics.js';
import { NonFiniteOutputError } from '../model-errors.js';
import type { RgbImage } from '../preprocess/image.js';
import type { SourceRect } from '../preprocess/tensor-writer.js';
import { executeBatch, type InferenceJob } from '../runtime/execute-batch.js';
import type { LoadedModel } from '../runtime/model-loader.js';

/** A detection result with the time its batch spent in session.run. */
export interface Timed<R> {
  result: R;
  inferMs: number;
}

/**
 * One loaded model version behind its own dynamic batcher. Requests from every camera and
 * every gRPC caller share its batches; each carries a job that writes its image straight into
 * the runner's batch buffer when the batch is formed.
 */
export class ServedModel {
  readonly name: string;
  readonly version: string;
  readonly batcher: DynamicBatcher<InferenceJob<unknown>, Timed<unknown>>;
  private unloading = false;

  constructor(
    readonly loaded: LoadedModel,
    private readonly metrics: InferenceMetrics,
    scheduler: Scheduler = realScheduler,
  ) {
    this.name = loaded.spec.name;
    this.version = loaded.spec.version;
    const b = loaded.spec.config.batching;
    const labels = { model: this.name, version: this.version };
    const preferred = b.preferredBatchSizes.filter((p) => p <= loaded.maxBatchSize);
    const padTargets = [...preferred, loaded.maxBatchSize].sort((x, y) => x - y);
    this.batcher = new DynamicBatcher(
      {
        name: `${this.name}:${this.version}`,
        maxBatchSize: loaded.maxBatchSize,
        preferredBatchSizes: preferred,
        maxQueueDelayMs: b.maxQueueDelayMs,
        maxQueueSize: b.maxQueueSize,
        timeoutMs: b.timeoutMs,
        priorityLevels: b.priorityLevels,
      },
      async (jobs) => {
        const padTo = b.padToPreferred ? (padTargets.find((p) => p >= jobs.length) ?? jobs.length) : jobs.length;
        const { results, timings } = await executeBatch(loaded.runner, jobs, padTo);
        metrics.computeDuration.observe({ ...labels, phase: 'input' }, timings.inputMs / 1000);
        metrics.computeDuration.observe({ ...labels, phase: 'infer' }, timings.inferMs / 1000);
        metrics.computeDuration.observe({ ...labels, phase: 'output' }, timings.outputMs / 1000);
        return results.map((r) => (r instanceof Error ? r : { result: r, inferMs: timings.inferMs }));
      },
      scheduler,
      {
        rejected: (reason) => metrics.requestFailure.inc({ ...labels, reason }),
        executed: ({ size, queueMs }) => {
          metrics.batchSize.observe(labels, size);
          metrics.executionCount.inc(labels);
          metrics.inferenceCount.inc(labels, size);
          for (const q of queueMs) metrics.queueDuration.observe(labels, q / 1000);
        },
        completed: (ok, error) => {
          if (ok) metrics.requestSuccess.inc(labels);
          else
            metrics.requestFailure.inc({
              ...labels,
              reason: error instanceof NonFiniteOutputError ? 'non_finite_output' : 'error',
            });
        },
        depth: (depth) => metrics.queueDepth.set(labels, depth),
      },
    );
    metrics.executionProvider.set({ ...labels, ep: loaded.ep }, 1);
    metrics.modelReady.set(labels, 1);
    metrics.queueDepth.set(labels, 0);
  }

  get kind(): 'detector' | 'embedder' {
    return this.loaded.head.kind;
  }

  /** Detects objects in one image; boxes in the image's source-frame pixels. */
  detect(input: DetectInput, options?: SubmitOptions): Promise<BatchResult<Timed<DetectOutput>>> {
    const head = this.loaded.head;
    if (!(head instanceof DetectorHead))
      throw new FailedPreconditionError(`model ${this.name} is an embedder, not a detector`);
    return this.batcher.submit(head.job(input), options) as Promise<BatchResult<Timed<DetectOutput>>>;
  }

  /** An L2-normalised embedding of the image or a crop of it. */
  embed(image: RgbImage, crop?: SourceRect, options?: SubmitOptions): Promise<BatchResult<Timed<number[]>>> {
    const head = this.loaded.head;
    if (!(head instanceof EmbedderHead))
      throw new FailedPreconditionError(`model ${this.name} is a detector, not an embedder`);
    return this.batcher.submit(head.job(image, crop), options) as Promise<BatchResult<Timed<number[]>>>;
  }

  status(trafficShare: number): ModelVersionStatus {
    const s = this.batcher.stats;
    const executions = Math.max(1, s.executionCount);
    const requests = Math.max(1, s.inferenceCount);
    return {
      name: this.name,
      version: this.version,
      state: this.unloading ? ModelState.MODEL_STATE_UNAVAILABLE : ModelState.MODEL_STATE_READY,
      executionProvider: this.loaded.ep,
      maxBatchSize: this.loaded.maxBatchSize,
      dynamicBatch: this.loaded.batching !== 'unbatched',
      reason: this.unloading ? 'unloading' : this.loaded.warnings.join('; '),
      stats: {
        inferenceCount: s.inferenceCount,
        executionCount: s.executionCount,
        successCount: s.successCount,
        failureCount: s.failureCount,
        rejectedCount: s.rejectedCount,
        timeoutCount: s.timeoutCount,
        queueMsAvg: s.queueMsTotal / requests,
        computeMsAvg: s.computeMsTotal / executions,
        batchSizeCounts: Object.fromEntries(s.batchSizeCounts),
        queueDepth: this.batcher.depth,
        cancelledCount: s.cancelledCount,
      },
      trafficShare,
      batching: this.loaded.batching,
      kind: this.kind,
      inputWidth: this.loaded.spec.config.input.width,
      inputHeight: this.loaded.spec.config.input.height,
      loadMs: this.loaded.loadMs,
    };
  }

  /** Finishes queued and executing work, then frees the session. */
  async unload(): Promise<void> {
    if (this.unloading) return;
    this.unloading = true;
    await this.batcher.drain();
    await this.loaded.runner.release();
    this.metrics.forgetVersion(this.name, this.version, this.loaded.ep);
  }
}
