import type { JetStreamClient } from 'nats';
import { codecs, errorMessage, subjects, UnavailableError, type Logger } from '@va/common';
import type { DetectionBatch } from '@va/common/gen/va/common/v1/detection';
import { detectionMsgId } from '../inference/detection-batch.js';
import type { InferenceMetrics } from '../metrics.js';

export interface PublisherOptions {
  /** Attempts after the first; safe because the message id de-duplicates. */
  retries: number;
  timeoutMs: number;
}

/**
 * Stores each frame's DetectionBatch in JetStream (VA_DETECTIONS) under a deterministic message
 * id, <camera>:<stream_epoch>:<sequence>, so a retry after a lost ack, or the same frame handled
 * twice, is stored once.
 */
export class DetectionPublisher {
  private readonly log: Logger;

  constructor(
    private readonly js: JetStreamClient,
    private readonly metrics: InferenceMetrics,
    log: Logger,
    private readonly options: PublisherOptions,
  ) {
    this.log = log.child({ component: 'detection-publisher' });
  }

  async publish(batch: DetectionBatch): Promise<void> {
    const subject = subjects.detections(batch.cameraId);
    const bytes = codecs.detectionBatch.encode(batch);
    const msgID = detectionMsgId(batch);
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      try {
        await this.js.publish(subject, bytes, { msgID, timeout: this.options.timeoutMs });
        return;
      } catch (err) {
        lastError = err;
        if (attempt < this.options.retries) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
    this.metrics.publishFailures.inc({ reason: 'jetstream' });
    this.log.error({ subject, msgID, err: errorMessage(lastError) }, 'DetectionBatch could not be stored in JetStream');
    throw new UnavailableError(`publishing ${msgID} failed: ${errorMessage(lastError)}`, { cause: lastError });
  }
}
