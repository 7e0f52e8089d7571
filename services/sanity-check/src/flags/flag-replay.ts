import {
  codecs,
  errorMessage,
  STREAMS,
  type ConsumerMetrics,
  type Logger,
  type NatsConnectionHandle,
} from '@va/common';
import type { JsMsg } from 'nats';
import type { SanityMetrics } from '../metrics.js';
import type { FlagStore } from './flag-store.js';
import { StreamFollower } from './stream-follower.js';

/**
 * Builds the flag view from JetStream and keeps it current: VA_FLAGS is read from its first
 * message, then VA_REVIEWS, so decisions find their flags, and both keep being followed live
 * (including what other instances publish). `start()` resolves once both have caught up with
 * what the streams held at start-up; the service is ready only then.
 */
export class FlagReplay {
  private readonly followers: StreamFollower[] = [];
  private caughtUp = false;

  constructor(
    private readonly nats: NatsConnectionHandle,
    private readonly store: FlagStore,
    private readonly metrics: SanityMetrics,
    private readonly consumerMetrics: ConsumerMetrics,
    private readonly log: Logger,
  ) {}

  readinessCheck = (): true | string =>
    this.caughtUp ? true : 'flag view not yet rebuilt from VA_FLAGS and VA_REVIEWS';

  async start(): Promise<void> {
    await this.follow(STREAMS.flags.name, 'flags', (m) => this.store.applyFlag(codecs.flag.decode(m.data, m.subject)));
    await this.follow(STREAMS.reviews.name, 'reviews', (m) =>
      this.store.applyReview(codecs.reviewDecision.decode(m.data, m.subject)),
    );
    this.caughtUp = true;
    this.log.info({ flags: this.store.size }, 'flag view rebuilt from JetStream');
  }

  async stop(): Promise<void> {
    await Promise.all(this.followers.map((f) => f.stop()));
  }

  private async follow(stream: string, label: string, apply: (m: JsMsg) => void): Promise<void> {
    const source = `${stream} (flag view)`;
    const follower = new StreamFollower(this.nats, {
      stream,
      log: this.log,
      onMessage: (m) => {
        this.metrics.replayed.inc({ stream: label });
        this.consumerMetrics.received.inc({ source });
        try {
          apply(m);
        } catch (err) {
          this.consumerMetrics.malformed.inc({ source });
          this.log.warn(
            { err: errorMessage(err), stream, seq: m.seq },
            'unreadable message in the flag streams skipped',
          );
        }
      },
    });
    this.followers.push(follower);
    await follower.start();
    await follower.caughtUp;
  }
}
