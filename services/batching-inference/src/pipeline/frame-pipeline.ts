import type { NatsConnection, Subscription } from 'nats';
import { codecs, subjects, subscribeDecoded, type ConsumerMetrics, type Logger } from '@va/common';
import type { InferenceMetrics } from '../metrics.js';
import { FrameAdmission, type AdmissionOptions } from './frame-admission.js';
import type { FrameProcessor, ReceivedFrame } from './frame-processor.js';

export interface FramePipelineOptions extends AdmissionOptions {
  /** Queue group shared by every worker: each frame goes to one of them. */
  queueGroup: string;
}

/**
 * va.frames.* -> per-camera admission -> FrameProcessor. Workers in the same queue group share
 * the cameras' frames; core NATS, so frames that arrive while everything is full are dropped
 * and counted rather than buffered.
 */
export class FramePipeline {
  private subscription: Subscription | undefined;
  private readonly admission: FrameAdmission<ReceivedFrame>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly processor: FrameProcessor,
    private readonly metrics: InferenceMetrics,
    private readonly consumerMetrics: ConsumerMetrics,
    private readonly log: Logger,
    private readonly options: FramePipelineOptions,
  ) {
    this.admission = new FrameAdmission<ReceivedFrame>(
      options,
      (frame) => {
        metrics.framesInFlight.inc();
        return processor.process(frame).finally(() => metrics.framesInFlight.dec());
      },
      (frame, reason) => processor.dropped(frame.frame, reason),
      (pending) => metrics.framesPending.set(pending),
    );
  }

  start(): void {
    this.subscription = subscribeDecoded(this.nc, {
      subject: subjects.frames('*'),
      queue: this.options.queueGroup,
      codec: codecs.frame,
      metrics: this.consumerMetrics,
      log: this.log,
      handle: (frame) => {
        this.metrics.framesReceived.inc({ camera: frame.cameraId });
        if (frame.captureTsMs > 0)
          this.metrics.frameLatency.observe(
            { stage: 'capture_to_received' },
            Math.max(0, Date.now() - frame.captureTsMs) / 1000,
          );
        this.processor.received(frame);
        this.admission.offer({
          frame,
          cameraId: frame.cameraId,
          captureTsMs: frame.captureTsMs,
          receivedAt: performance.now(),
        });
      },
    });
    this.log.info({ subject: subjects.frames('*'), queueGroup: this.options.queueGroup }, 'frame pipeline subscribed');
  }

  /** Stops taking frames (other workers in the group get them), drops those waiting, finishes those in the batcher. */
  async stop(): Promise<void> {
    if (this.subscription && !this.subscription.isClosed()) await this.subscription.drain();
    await this.admission.close();
  }

  get pending(): number {
    return this.admission.pending;
  }
}
