import { DeadlineExceededError, errorMessage, ResourceExhaustedError, type Logger } from '@va/common';
import type { Frame } from '@va/proto/va/common/v1/frame';
import type { RgbImage } from '../preprocess/image.js';
import { detectionBatch, skippedBatch, type FrameMeta } from '../inference/detection-batch.js';
import type { InferenceMetrics } from '../metrics.js';
import { DecodeBudgetError, InvalidImageError } from '../preprocess/image-errors.js';
import type { ImageIntake } from '../preprocess/image-intake.js';
import type { ModelManager } from '../serving/model-manager.js';
import type { DetectionPublisher } from './detection-publisher.js';
import type { EmbedderStage } from './embedder-stage.js';
import { ShedLedger } from './shed-ledger.js';

/** A frame taken off the bus, with when this process received it. */
export interface ReceivedFrame {
  frame: Frame;
  cameraId: string;
  captureTsMs: number;
  receivedAt: number;
}

export interface FrameProcessorOptions {
  /** Detector model name; the camera's canary rollout picks the version. */
  detector: string;
  /** Batcher priority of pipeline frames (1 is the highest). */
  priority: number;
  /**
   * A frame's whole life from capture (0: no limit). What is left of it when the frame reaches a
   * model is that request's batcher timeout, so the model config's own timeoutMs never drops a
   * frame the age limit would still keep, nor keeps one it would drop.
   */
  maxFrameAgeMs: number;
}

/** Milliseconds a frame may still wait for a model; undefined when frames have no age limit. */
export function remainingBudgetMs(captureTsMs: number, maxFrameAgeMs: number, nowMs: number): number | undefined {
  if (maxFrameAgeMs <= 0 || captureTsMs <= 0) return undefined;
  return maxFrameAgeMs - (nowMs - captureTsMs);
}

/**
 * One frame's path through the service: pixels to an image (raw frames are not copied, JPEG is
 * decoded off the event loop), detection through the detector's batcher (a frame ingest already
 * letterboxed to the model's input goes in as it is), embeddings for selected crops, then one
 * DetectionBatch stored in JetStream. Every way a frame can end without one is counted by reason.
 */
export class FrameProcessor {
  private readonly log: Logger;
  private lastInvalidLog = 0;
  private readonly shedLedger = new ShedLedger();

  constructor(
    private readonly manager: ModelManager,
    private readonly embedder: EmbedderStage | undefined,
    private readonly publisher: DetectionPublisher,
    private readonly metrics: InferenceMetrics,
    private readonly intake: ImageIntake,
    log: Logger,
    private readonly options: FrameProcessorOptions,
  ) {
    this.log = log.child({ component: 'frame-processor' });
  }

  /** A frame arrived from the bus (before admission): notes what ingest shed before it. */
  received(frame: Frame): void {
    this.shedLedger.received(frame);
  }

  /** Counts a frame that ends here without a DetectionBatch, and announces its sequence with the camera's next one. */
  dropped(frame: Frame, reason: string): void {
    this.metrics.framesDropped.inc({ camera: frame.cameraId, reason });
    this.shedLedger.shed(frame);
  }

  async process({ frame, cameraId, receivedAt }: ReceivedFrame): Promise<void> {
    const drop = (reason: string) => this.dropped(frame, reason);
    if (frame.skipDetection) {
      await this.publishSkipped(frame, cameraId, receivedAt);
      return;
    }
    let pixels;
    try {
      pixels = await this.intake.frame(frame);
    } catch (err) {
      drop(
        err instanceof DecodeBudgetError
          ? 'decode_budget'
          : err instanceof InvalidImageError && err.reason === 'too_many_pixels'
            ? 'too_large'
            : 'invalid',
      );
      this.logInvalid(cameraId, frame.sequence, err);
      return;
    }
    try {
      await this.detect(frame, cameraId, receivedAt, pixels);
    } finally {
      pixels.release();
    }
  }

  /** A frame left to the tracker: its pixels are neither decoded nor batched, only its place in the sequence is published. */
  private async publishSkipped(frame: Frame, cameraId: string, receivedAt: number): Promise<void> {
    const batch = skippedBatch(this.frameMeta(frame, cameraId), Date.now());
    try {
      await this.publisher.publish(batch);
    } catch {
      this.publishFailed(frame, batch.shedSequences);
      return;
    }
    this.metrics.framesPublished.inc({ camera: cameraId });
    this.metrics.framesNotDetected.inc({ camera: cameraId });
    this.observeLatency(frame.captureTsMs, batch.detectedTsMs, receivedAt);
  }

  /** Detection, embeddings and publishing; the decoded pixels are released as soon as the models are done with them. */
  private async detect(
    frame: Frame,
    cameraId: string,
    receivedAt: number,
    { image, release }: { image: RgbImage; release(): void },
  ): Promise<void> {
    const drop = (reason: string) => this.dropped(frame, reason);
    let served;
    try {
      served = this.manager.resolve(this.options.detector, { cameraId });
    } catch {
      drop('no_model');
      return;
    }
    const meta = frameMeta(frame, cameraId);
    const budget = () => remainingBudgetMs(frame.captureTsMs, this.options.maxFrameAgeMs, Date.now());
    const detectBudget = budget();
    if (detectBudget !== undefined && detectBudget <= 0) {
      drop('stale');
      return;
    }
    let result;
    try {
      result = await served.detect(
        {
          image,
          sourceWidth: meta.sourceWidth,
          sourceHeight: meta.sourceHeight,
          ...(frame.letterbox ? { letterbox: frame.letterbox } : {}),
        },
        { priority: this.options.priority, ...(detectBudget !== undefined ? { timeoutMs: detectBudget } : {}) },
      );
    } catch (err) {
      drop(
        err instanceof ResourceExhaustedError
          ? 'queue_full'
          : err instanceof DeadlineExceededError
            ? 'timeout'
            : 'failed',
      );
      if (!(err instanceof ResourceExhaustedError || err instanceof DeadlineExceededError)) {
        this.log.error({ camera: cameraId, sequence: frame.sequence, err: errorMessage(err) }, 'detection failed');
      }
      return;
    }
    const { detections } = result.value.result;
    // Embeddings get what is left of the frame's life; crops that run out of it leave their
    // detections without an embedding rather than the frame without detections.
    const embedBudget = budget();
    const embedder = this.embedder
      ? await this.embedder.attach(
          detections,
          image,
          { sourceWidth: meta.sourceWidth, sourceHeight: meta.sourceHeight, letterbox: frame.letterbox, cameraId },
          embedBudget !== undefined ? { timeoutMs: Math.max(1, embedBudget) } : {},
        )
      : undefined;
    release();
    const batch = detectionBatch(
      this.frameMeta(frame, cameraId),
      detections,
      { name: served.name, version: served.version },
      embedder,
      result.value.inferMs,
      Date.now(),
    );
    try {
      await this.publisher.publish(batch);
    } catch {
      this.publishFailed(frame, batch.shedSequences);
      return;
    }
    this.metrics.framesPublished.inc({ camera: cameraId });
    for (const d of detections) this.metrics.detections.inc({ model: served.name, class: d.className });
    this.observeLatency(frame.captureTsMs, batch.detectedTsMs, receivedAt);
  }

  /** The frame's place in the sequence plus what its camera's shed frames are: announced with the batch. */
  private frameMeta(frame: Frame, cameraId: string): FrameMeta {
    return { ...frameMeta(frame, cameraId), shedSequences: this.shedLedger.take(cameraId, frame.streamEpoch) };
  }

  private publishFailed(frame: Frame, announced: number[]): void {
    this.shedLedger.giveBack(frame.cameraId, frame.streamEpoch, announced);
    this.dropped(frame, 'publish_failed');
  }

  private observeLatency(captureTsMs: number, detectedTsMs: number, receivedAt: number): void {
    if (captureTsMs > 0)
      this.metrics.frameLatency.observe(
        { stage: 'capture_to_published' },
        Math.max(0, detectedTsMs - captureTsMs) / 1000,
      );
    this.metrics.frameLatency.observe({ stage: 'receive_to_published' }, (performance.now() - receivedAt) / 1000);
  }

  private logInvalid(cameraId: string, sequence: number, err: unknown): void {
    const now = Date.now();
    if (now - this.lastInvalidLog < 10_000) return;
    this.lastInvalidLog = now;
    const message = err instanceof InvalidImageError ? err.message : errorMessage(err);
    this.log.warn({ camera: cameraId, sequence, error: message }, 'frame dropped: its pixels cannot be used');
  }
}

function frameMeta(frame: Frame, cameraId: string): FrameMeta {
  return {
    cameraId,
    sequence: frame.sequence,
    captureTsMs: frame.captureTsMs,
    sourceWidth: frame.sourceWidth || frame.width,
    sourceHeight: frame.sourceHeight || frame.height,
    streamEpoch: frame.streamEpoch,
    ...(frame.stats ? { stats: frame.stats } : {}),
  };
}
