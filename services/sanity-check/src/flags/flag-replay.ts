import { DeliverPolicy, type ConsumerMessages } from 'nats';
import { codecs, errorMessage, STREAMS, type ConsumerMetrics, type Logger, type NatsConnectionHandle } from '@va/common';
import type { SanityMetrics } from '../metrics.js';
import type { FlagStore } from './flag-store.js';

/**
 * Builds the flag view from JetStream and keeps it current: an ordered (ephemeral) consumer reads
 * VA_FLAGS from its first message, then one reads VA_REVIEWS, so decisions find their flags, and
 * both keep following live messages (including those other instances publish). `start()` resolves
 * once both have caught up with what the streams held at start-up; the service is ready only then.
 */
export class FlagReplay {
  private readonly iterators: ConsumerMessages[] = [];
  private readonly loops: Array<Promise<void>> = [];
  private caughtUp = false;

  constructor(
    private readonly nats: NatsConnectionHandle,
    private readonly store: FlagStore,
    private readonly metrics: SanityMetrics,
    private readonly consumerMetrics: ConsumerMetrics,
    private readonly log: Logger,
  ) {}

  readinessCheck = (): true | string => (this.caughtUp ? true : 'flag view not yet rebuilt from VA_FLAGS and VA_REVIEWS');

  async start(): Promise<void> {
    const flags = await this.follow(STREAMS.flags.name, 'flags', (bytes, subject) => this.store.applyFlag(codecs.flag.decode(bytes, subject)));
    const reviews = await this.follow(STREAMS.reviews.name, 'reviews', (bytes, subject) => this.store.applyReview(codecs.reviewDecision.decode(bytes, subject)));
    this.caughtUp = true;
    this.log.info({ flags: flags, reviews: reviews, stored: this.store.size }, 'flag view rebuilt from JetStream');
  }

  async stop(): Promise<void> {
    for (const it of this.iterators) it.stop();
    await Promise.allSettled(this.loops);
  }

  /** Starts following a stream from its beginning; resolves with the message count once caught up. */
  private async follow(stream: string, label: string, apply: (bytes: Uint8Array, subject: string) => void): Promise<number> {
    const info = await this.nats.jsm.streams.info(stream);
    const target = info.state.last_seq;
    const consumer = await this.nats.js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
    const messages = await consumer.consume({ max_messages: 500 });
    this.iterators.push(messages);
    let count = 0;
    let resolveCaughtUp: () => void = () => {};
    const caughtUp = new Promise<void>((resolve) => (resolveCaughtUp = resolve));
    if (target === 0 || info.state.messages === 0) resolveCaughtUp();
    const source = `${stream} (replay)`;
    this.loops.push(
      (async () => {
        for await (const m of messages) {
          count++;
          this.metrics.replayed.inc({ stream: label });
          this.consumerMetrics.received.inc({ source });
          try {
            apply(m.data, m.subject);
          } catch (err) {
            this.consumerMetrics.malformed.inc({ source });
            this.log.warn({ err: errorMessage(err), stream, seq: m.seq }, 'unreadable message in the flag streams skipped');
          }
          if (m.seq >= target || m.info.pending === 0) resolveCaughtUp();
        }
      })(),
    );
    await caughtUp;
    return count;
  }
}
