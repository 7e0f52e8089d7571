import { AckPolicy, ConsumerEvents, DeliverPolicy, nanos, type ConsumerMessages, type JsMsg } from 'nats';
import { errorMessage, type Logger, type NatsConnectionHandle } from '@va/common';

export interface StreamFollowerOptions {
  stream: string;
  onMessage: (msg: JsMsg) => void;
  log: Logger;
  /** How long the server keeps the ephemeral consumer after this process stops pulling. */
  inactiveMs?: number;
}

/** Missing-consumer notices in a row after which the consumer is recreated. */
const NOT_FOUND_LIMIT = 3;

/**
 * Reads a whole stream from its first message and keeps following it, in order, through an
 * ephemeral pull consumer without acks (nothing to acknowledge: every instance reads everything).
 * nats.js's ordered consumer would do this, but it hangs against nats-server 2.9 (the version
 * here), so this recreates the consumer itself, from the next sequence, when the server lost it
 * (restart, inactivity). `caughtUp` resolves once everything the stream held at start was seen.
 */
export class StreamFollower {
  private nextSeq = 1;
  private stopped = false;
  private current: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private target = 0;
  private resolveCaughtUp: () => void = () => {};
  readonly caughtUp = new Promise<void>((resolve) => (this.resolveCaughtUp = resolve));

  constructor(
    private readonly nats: NatsConnectionHandle,
    private readonly options: StreamFollowerOptions,
  ) {}

  async start(): Promise<void> {
    const info = await this.nats.jsm.streams.info(this.options.stream);
    this.target = info.state.last_seq;
    this.nextSeq = Math.max(1, info.state.first_seq);
    if (info.state.messages === 0) this.resolveCaughtUp();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.consumeOnce();
      } catch (err) {
        if (this.stopped) break;
        this.options.log.warn(
          { stream: this.options.stream, err: errorMessage(err), nextSeq: this.nextSeq },
          'stream follower failed; recreating its consumer',
        );
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  private async consumeOnce(): Promise<void> {
    const { stream } = this.options;
    const info = await this.nats.jsm.consumers.add(stream, {
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.nextSeq,
      inactive_threshold: nanos(this.options.inactiveMs ?? 300_000),
    });
    const consumer = await this.nats.js.consumers.get(stream, info.name);
    const messages = await consumer.consume({ max_messages: 500 });
    this.current = messages;
    if (this.stopped) messages.stop();
    void this.watch(messages);
    for await (const m of messages) {
      this.nextSeq = m.seq + 1;
      this.options.onMessage(m);
      if (m.seq >= this.target || m.info.pending === 0) this.resolveCaughtUp();
    }
    // The ephemeral consumer is not deleted here: sanity-check's NATS user may not delete consumers
    // (bus-identities.ts); the server removes it after inactive_threshold.
  }

  /** Ends the iteration when the server says the consumer is gone, so `run` recreates it. */
  private async watch(messages: ConsumerMessages): Promise<void> {
    for await (const s of await messages.status()) {
      if (
        s.type === ConsumerEvents.ConsumerDeleted ||
        (s.type === ConsumerEvents.ConsumerNotFound && Number(s.data) >= NOT_FOUND_LIMIT)
      ) {
        messages.stop();
        return;
      }
    }
  }
}
