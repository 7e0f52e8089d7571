import type { JetStreamClient } from 'nats';
import { codecs, errorMessage, subjects, UnavailableError, type Logger, type PublishRefusals } from '@va/common';
import type { Flag } from '@va/proto/va/common/v1/flag';
import type { SanityMetrics } from '../metrics.js';
import { flagMsgId } from './flag-id.js';

export interface FlagPublisherOptions {
  /** First retry delay; doubles up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
}

/**
 * Publishes flags to VA_FLAGS (va.flags.<camera>) and waits for JetStream's ack. The msgID is the
 * flag id plus its count, so a retried publish of the same version is stored once and every count
 * update is a new message. A failed publish is retried with backoff until it succeeds or the
 * service stops: the durable consumer feeding the rules is blocked meanwhile, so detections back up
 * in JetStream instead of flags being lost.
 */
export class FlagPublisher {
  private stopped = false;
  private readonly wake = new Set<() => void>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly metrics: SanityMetrics,
    private readonly log: Logger,
    private readonly options: FlagPublisherOptions,
    private readonly refusals: PublishRefusals,
  ) {}

  async publish(flag: Flag, kind: 'new' | 'update'): Promise<void> {
    const bytes = codecs.flag.encode(flag);
    let delay = this.options.retryMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.refusals.publish(this.js, subjects.flags(flag.cameraId), bytes, { msgID: flagMsgId(flag) });
        this.metrics.flagPublishes.inc({ kind });
        return;
      } catch (err) {
        // A full VA_FLAGS (discard-new) refuses: counted (refusals.publish), and retried like any failure.
        this.metrics.flagPublishErrors.inc();
        if (this.stopped)
          throw new UnavailableError(`flag ${flag.flagId} not published before shutdown: ${errorMessage(err)}`, {
            cause: err,
          });
        if (attempt === 1 || attempt % 10 === 0)
          this.log.warn({ err: errorMessage(err), flagId: flag.flagId, attempt }, 'flag publish failed; retrying');
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.options.maxRetryMs);
      }
    }
  }

  /** Ends retry loops: a publish still failing throws instead of waiting. */
  stop(): void {
    this.stopped = true;
    for (const wake of this.wake) wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake.add(done);
    });
  }
}
