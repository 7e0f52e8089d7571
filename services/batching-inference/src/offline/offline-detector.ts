import { createLogger, type Logger } from '@va/common';
import type { DetectionBatch, ModelRef } from '@va/proto/va/common/v1/detection';
import type { Letterbox } from '@va/proto/va/common/v1/frame';
import { detectionBatch } from '../inference/detection-batch.js';
import { DetectorHead } from '../inference/detector-head.js';
import { EmbedderHead } from '../inference/embedder-head.js';
import {
  cropRect,
  DEFAULT_EMBEDDING_POLICY,
  selectForEmbedding,
  type EmbeddingPolicy,
} from '../inference/embedding-policy.js';
import type { RgbImage } from '../preprocess/image.js';
import { DEFAULT_REPOSITORY_DIR, DEFAULT_SHARED_DIR } from '../repository/default-paths.js';
import type { ExecutionProvider } from '../repository/model-config.js';
import { ModelRepository, type ModelVersionSpec } from '../repository/model-repository.js';
import { executeBatch, type InferenceJob } from '../runtime/execute-batch.js';
import { loadModel, type LoadedModel } from '../runtime/model-loader.js';

export interface OfflineDetectorOptions {
  /** Detector in the repository; default yolox_nano. */
  model?: string;
  /** Default: the repository's latest version. */
  version?: string;
  /** Default: the service's shipped repository (services/batching-inference/models). */
  repository?: string;
  /** Folder the repository's `sources` are relative to; default ../shared beside the checkout. */
  sharedDir?: string;
  /** ONNX Runtime intra-op threads; default 1 (tests share a small machine). */
  threads?: number;
  /** Default ['cpu']. */
  providers?: ExecutionProvider[];
  /** Images per session run; default the model's maxBatchSize. */
  batchSize?: number;
  /** Overrides the model's score threshold. */
  scoreThreshold?: number;
  /** Embedder to attach appearance embeddings with (e.g. osnet_x0_25_msmt17); default none. */
  embedder?: string;
  /** Classes to embed; default ['person']. */
  embedClasses?: string[];
  log?: Logger;
}

/** One image to detect on, with what its DetectionBatch passes through. */
export interface OfflineFrame {
  image: RgbImage;
  cameraId: string;
  sequence: number;
  captureTsMs: number;
  /** Default: the image's size. */
  sourceWidth?: number;
  sourceHeight?: number;
  letterbox?: Letterbox;
  streamEpoch?: string;
}

/**
 * The service's inference path without its batcher, for benchmarks, tests and offline jobs:
 * the same repository, preprocessing, session (dynamic batch rewrite included), decoders, NMS and
 * embedding policy, run as batches of `batchSize` images per session.run.
 */
export class OfflineDetector {
  readonly detector: ModelRef;
  readonly embedder: ModelRef | undefined;

  private constructor(
    private readonly det: LoadedModel,
    private readonly emb: LoadedModel | undefined,
    private readonly policy: EmbeddingPolicy,
    private readonly scoreThreshold: number | undefined,
    readonly batchSize: number,
  ) {
    this.detector = { name: det.spec.name, version: det.spec.version };
    this.embedder = emb ? { name: emb.spec.name, version: emb.spec.version } : undefined;
  }

  /** The model versions `open` would load (resolved in the repository, nothing loaded). */
  static resolve(options: OfflineDetectorOptions = {}): { detector: ModelVersionSpec; embedder?: ModelVersionSpec } {
    const repository = new ModelRepository(options.repository ?? DEFAULT_REPOSITORY_DIR, {
      sharedDir: options.sharedDir ?? DEFAULT_SHARED_DIR,
    });
    const detector = repository.resolve(options.model ?? 'yolox_nano', options.version);
    return options.embedder ? { detector, embedder: repository.resolve(options.embedder) } : { detector };
  }

  static async open(options: OfflineDetectorOptions = {}): Promise<OfflineDetector> {
    const log = options.log ?? createLogger('offline-detector', 'warn');
    const specs = OfflineDetector.resolve(options);
    const settings = {
      session: { intraOpThreads: options.threads ?? 1, allowSpinning: false },
      providers: options.providers ?? ['cpu' as const],
    };
    const det = await loadModel(specs.detector, settings, log);
    if (!(det.head instanceof DetectorHead)) {
      await det.runner.release();
      throw new Error(`model ${det.spec.name} is not a detector`);
    }
    let emb: LoadedModel | undefined;
    if (specs.embedder) {
      emb = await loadModel(specs.embedder, settings, log);
      if (!(emb.head instanceof EmbedderHead)) {
        await Promise.all([det.runner.release(), emb.runner.release()]);
        throw new Error(`model ${options.embedder} is not an embedder`);
      }
    }
    const policy: EmbeddingPolicy = {
      ...DEFAULT_EMBEDDING_POLICY,
      ...(options.embedClasses ? { classes: new Set(options.embedClasses) } : {}),
    };
    const batchSize = Math.max(1, Math.min(options.batchSize ?? det.maxBatchSize, det.maxBatchSize));
    return new OfflineDetector(det, emb, policy, options.scoreThreshold, batchSize);
  }

  /** Detects on every frame (in batches of batchSize) and returns one DetectionBatch per frame, in order. */
  async detect(frames: readonly OfflineFrame[]): Promise<DetectionBatch[]> {
    const head = this.det.head as DetectorHead;
    const out: DetectionBatch[] = [];
    for (let start = 0; start < frames.length; start += this.batchSize) {
      const chunk = frames.slice(start, start + this.batchSize);
      const jobs = chunk.map((f) =>
        head.job({
          image: f.image,
          sourceWidth: f.sourceWidth ?? f.image.width,
          sourceHeight: f.sourceHeight ?? f.image.height,
          ...(f.letterbox ? { letterbox: f.letterbox } : {}),
          ...(this.scoreThreshold !== undefined ? { scoreThreshold: this.scoreThreshold } : {}),
        }),
      );
      const { results, timings } = await executeBatch(this.det.runner, jobs);
      const perFrameMs = timings.inferMs;
      for (const [i, f] of chunk.entries()) {
        const r = results[i];
        if (r instanceof Error || r === undefined) throw r ?? new Error('missing result');
        const meta = {
          cameraId: f.cameraId,
          sequence: f.sequence,
          captureTsMs: f.captureTsMs,
          sourceWidth: f.sourceWidth ?? f.image.width,
          sourceHeight: f.sourceHeight ?? f.image.height,
          streamEpoch: f.streamEpoch ?? '',
        };
        out.push(detectionBatch(meta, r.detections, this.detector, this.embedder, perFrameMs, Date.now()));
      }
    }
    if (this.emb) await this.attachEmbeddings(frames, out);
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([this.det.runner.release(), this.emb?.runner.release()]);
  }

  private async attachEmbeddings(frames: readonly OfflineFrame[], batches: DetectionBatch[]): Promise<void> {
    const emb = this.emb as LoadedModel;
    const head = emb.head as EmbedderHead;
    const work: Array<{ job: InferenceJob<number[]>; target: number[] }> = [];
    batches.forEach((batch, i) => {
      const f = frames[i] as OfflineFrame;
      for (const k of selectForEmbedding(batch.detections, this.policy)) {
        const d = batch.detections[k];
        if (!d?.box) continue;
        const rect = cropRect(d.box, f.image, batch.frameWidth, batch.frameHeight, f.letterbox);
        work.push({ job: head.job(f.image, rect), target: d.embedding });
      }
    });
    for (let start = 0; start < work.length; start += emb.maxBatchSize) {
      const chunk = work.slice(start, start + emb.maxBatchSize);
      const { results } = await executeBatch(
        emb.runner,
        chunk.map((w) => w.job),
      );
      chunk.forEach((w, i) => {
        const r = results[i];
        if (r instanceof Error || r === undefined) throw r ?? new Error('missing embedding');
        w.target.push(...r);
      });
    }
  }
}
