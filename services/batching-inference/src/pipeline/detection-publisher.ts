import type { JetStreamClient } from 'nats';
import {
  codecs,
  errorMessage,
  subjects,
  StreamFullError,
  UnavailableError,
  type Logger,
  type PublishRefusals,
} from '@va/common';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
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
 * twice, is stored once. VA_DETECTIONS is discard-new: when it is full the publish is refused,
 * counted (jetstream_publish_refused_total), retried within the budget, then the frame's
 * detections are dropped and counted (publish_failures_total{reason="stream_full"}).
 */
export class DetectionPublisher {
  private readonly log: Logger;

  constructor(
    private readonly js: JetStreamClient,
    private readonly metrics: InferenceMetrics,
    log: Logger,
    private readonly options: PublisherOptions,
    private readonly refusals: PublishRefusals,
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
        await this.refusals.publish(this.js, subject, bytes, { msgID, timeout: this.options.timeoutMs });
        return;
      } catch (err) {
        lastError = err;
        if (attempt < this.options.retries) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
    const full = lastError instanceof StreamFullError;
    this.metrics.publishFailures.inc({ reason: full ? 'stream_full' : 'jetstream' });
    this.log.error({ subject, msgID, err: errorMessage(lastError) }, 'DetectionBatch could not be stored in JetStream');
    if (full) throw lastError;
    throw new UnavailableError(`publishing ${msgID} failed: ${errorMessage(lastError)}`, { cause: lastError });
  }
}
