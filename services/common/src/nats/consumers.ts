import {
  AckPolicy,
  DeliverPolicy,
  nanos,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JsMsg,
  type Msg,
  type NatsConnection,
  type Subscription,
} from 'nats';
import { errorMessage, MalformedMessageError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Codec } from './codec.js';
import type { NatsConnectionHandle } from './connection.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import { ConsumerDeadLetters } from './dead-letter.js';

// Where the services and index.ts import it from; its own file lets dead-letter.ts use it without an import circle.
export { ConsumerMetrics } from './consumer-metrics.js';

export interface CoreSubscriptionOptions<T> {
  subject: string;
  /** Queue group: the messages are shared among every member. */
  queue?: string;
  codec: Codec<T>;
  metrics: ConsumerMetrics;
  log: Logger;
  /** Called synchronously per message; a returned promise is awaited only for error accounting. */
  handle: (value: T, msg: Msg) => void | Promise<void>;
}

/**
 * A core NATS subscription that decodes each message; malformed ones are logged (rate-limited),
 * counted and skipped, never thrown at the connection.
 */
export function subscribeDecoded<T>(nc: NatsConnection, options: CoreSubscriptionOptions<T>): Subscription {
  const source = options.subject;
  const log = options.log.child({ component: 'subscriber', subject: source });
  const malformedLog = rateLimitedLogger(log);
  return nc.subscribe(options.subject, {
    ...(options.queue ? { queue: options.queue } : {}),
    callback: (err, msg) => {
      if (err) {
        log.error({ err }, 'subscription error');
        return;
      }
      options.metrics.received.inc({ source });
      let value: T;
      try {
        value = options.codec.decode(msg.data, msg.subject);
      } catch (decodeErr) {
        options.metrics.malformed.inc({ source });
        malformedLog(errorMessage(decodeErr), msg.subject);
        return;
      }
      try {
        const result = options.handle(value, msg);
        if (result instanceof Promise) {
          result.catch((handlerErr: unknown) => {
            options.metrics.handlerErrors.inc({ source });
            log.error({ err: handlerErr, subject: msg.subject }, 'message handler failed');
          });
        }
      } catch (handlerErr) {
        options.metrics.handlerErrors.inc({ source });
        log.error({ err: handlerErr, subject: msg.subject }, 'message handler failed');
      }
    },
  });
}

export interface DurableConsumerOptions<T> {
  stream: string;
  durable: string;
  filterSubject: string;
  codec: Codec<T>;
  metrics: ConsumerMetrics;
  log: Logger;
  /**
   * 'auto': ack after `handle` resolves, nak with a delay when it throws.
   * 'manual': `handle` owns the message and must ack/nak/term it (batching indexers).
   */
  ack?: 'auto' | 'manual';
  handle: (value: T, msg: JsMsg) => Promise<void> | void;
  ackWaitMs?: number;
  /**
   * Deliveries before the message is given up on (default: the connection's VA_JS_MAX_DELIVER): when
   * the handler fails on the last one, the message goes to VA_DEAD_LETTERS and is terminated.
   */
  maxDeliver?: number;
  /** Dead letters go to va.deadletter.<deadLetterKind>.<camera>; defaults to the durable name. */
  deadLetterKind?: string;
  maxAckPending?: number;
  /** Messages pulled per request. */
  batch?: number;
  /** Redelivery delay after the first failure; doubles with each further delivery, up to a minute. */
  nakDelayMs?: number;
  /** Where to start when the consumer is first created. */
  deliverPolicy?: DeliverPolicy;
  /**
   * This process takes the durable over from whoever consumed it before (a stopped or crashed
   * process) and knows nobody else consumes it now (tracking holds a per-camera lease). Messages
   * delivered to the previous holder and never acknowledged would come back only after ack_wait,
   * behind newer ones; with `takeOver` the durable is recreated at its ack floor instead, so they
   * are delivered again at once and in stream order.
   */
  takeOver?: boolean;
}

const MAX_NAK_DELAY_MS = 60_000;

/**
 * A JetStream durable pull consumer with explicit acks. Messages are handled one at a time in
 * stream order, so per-subject order is kept. Malformed messages are terminated (never redelivered)
 * and counted. A message whose handler keeps failing is redelivered with a doubling delay up to
 * maxDeliver times, then published with the reason to VA_DEAD_LETTERS, counted and terminated.
 * The consumer survives restarts of this process: it resumes after the last ack.
 */
export class DurableConsumer<T> {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private lagTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly malformedLog: (message: string, subject: string) => void;
  private readonly maxDeliver: number;
  private readonly deadLetters: ConsumerDeadLetters;
  private advisories: Subscription | undefined;

  constructor(
    private readonly nats: NatsConnectionHandle,
    private readonly options: DurableConsumerOptions<T>,
  ) {
    this.log = options.log.child({ component: 'consumer', durable: options.durable });
    this.malformedLog = rateLimitedLogger(this.log);
    this.maxDeliver = options.maxDeliver ?? nats.jetstream.maxDeliver;
    const kind = options.deadLetterKind ?? deadLetterKindOf(options.durable);
    this.deadLetters = new ConsumerDeadLetters(
      nats,
      options.durable,
      kind,
      options.metrics,
      options.filterSubject,
      this.log,
    );
  }

  async start(): Promise<void> {
    const o = this.options;
    const config = {
      durable_name: o.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: o.deliverPolicy ?? DeliverPolicy.All,
      filter_subject: o.filterSubject,
      ack_wait: nanos(o.ackWaitMs ?? 30_000),
      max_deliver: this.maxDeliver,
      max_ack_pending: o.maxAckPending ?? 1_000,
    };
    const info = await this.nats.jsm.consumers.info(o.stream, o.durable).catch(() => undefined);
    if (!info) {
      await this.nats.jsm.consumers.add(o.stream, config);
    } else if (o.takeOver && info.num_ack_pending > 0) {
      await this.recreateAtAckFloor(info, config);
    } else if (
      info.config.filter_subject !== o.filterSubject ||
      info.config.ack_wait !== config.ack_wait ||
      info.config.max_ack_pending !== config.max_ack_pending ||
      info.config.max_deliver !== config.max_deliver
    ) {
      await this.nats.jsm.consumers.update(o.stream, o.durable, {
        filter_subject: config.filter_subject,
        ack_wait: config.ack_wait,
        max_deliver: config.max_deliver,
        max_ack_pending: config.max_ack_pending,
      });
    }
    this.advisories = this.deadLetters.watchMaxDeliveries(o.stream);
    const consumer = await this.nats.js.consumers.get(o.stream, o.durable);
    this.messages = await consumer.consume({ max_messages: o.batch ?? 100 });
    this.loop = this.run(this.messages);
    this.lagTimer = setInterval(() => void this.refreshLag(), 5_000);
    this.lagTimer.unref();
    this.log.info({ stream: o.stream, filter: o.filterSubject }, 'durable consumer started');
  }

  /**
   * Deletes the durable and creates it again starting after its ack floor (the last message
   * acknowledged with everything before it), so messages that were delivered and never
   * acknowledged are delivered again now, in order. Acks above the floor are forgotten: those
   * messages come again too, which consumers of a durable must tolerate anyway (redelivery).
   */
  private async recreateAtAckFloor(info: ConsumerInfo, config: Partial<ConsumerConfig>): Promise<void> {
    const o = this.options;
    const floor = info.ack_floor.stream_seq;
    const start: Partial<ConsumerConfig> =
      floor > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 }
        : config.deliver_policy === DeliverPolicy.All
          ? {}
          : // Nothing acknowledged yet and not replaying everything: from when the durable was made.
            { deliver_policy: DeliverPolicy.StartTime, opt_start_time: info.created };
    await this.nats.jsm.consumers.delete(o.stream, o.durable);
    // Once deleted it must come back at the floor: created later with the plain config, it would
    // start over from its deliver policy. NATS answered the delete a moment ago; retry briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.nats.jsm.consumers.add(o.stream, { ...config, ...start });
        break;
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
    this.log.info(
      { ackFloor: floor, unacknowledged: info.num_ack_pending },
      'took the durable over: unacknowledged messages are delivered again from its ack floor',
    );
  }

  /** Messages in the stream this consumer has not been delivered yet, plus those awaiting ack. */
  async lag(): Promise<number> {
    const info = await this.nats.jsm.consumers.info(this.options.stream, this.options.durable);
    return info.num_pending + info.num_ack_pending;
  }

  /**
   * Stops pulling, lets the message in hand finish, hands back (nak) the messages already pulled
   * but not handled, and returns. Other unacked messages are redelivered after ack_wait.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.lagTimer);
    this.messages?.stop();
    this.advisories?.unsubscribe();
    await this.loop;
  }

  private async refreshLag(): Promise<void> {
    try {
      this.options.metrics.lag.set({ consumer: this.options.durable }, await this.lag());
    } catch {
      // NATS unavailable: the gauge keeps its last value.
    }
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    const o = this.options;
    const source = o.filterSubject;
    for await (const msg of messages) {
      if (this.stopped) {
        // Pulled but not handled before stop(): hand it back now rather than after ack_wait,
        // so whoever consumes this durable next gets it at once (and in order).
        try {
          msg.nak();
        } catch {
          // Connection already closed: the server redelivers after ack_wait.
        }
        continue;
      }
      o.metrics.received.inc({ source });
      let value: T;
      try {
        value = o.codec.decode(msg.data, msg.subject);
      } catch (err) {
        o.metrics.malformed.inc({ source });
        this.malformedLog(errorMessage(err), msg.subject);
        msg.term();
        continue;
      }
      try {
        await o.handle(value, msg);
        if ((o.ack ?? 'auto') === 'auto') msg.ack();
      } catch (err) {
        o.metrics.handlerErrors.inc({ source });
        if (err instanceof MalformedMessageError) {
          o.metrics.malformed.inc({ source });
          this.malformedLog(err.message, msg.subject);
          msg.term();
        } else if (msg.info.deliveryCount >= this.maxDeliver) {
          await this.deadLetter(msg, err);
        } else {
          const delayMs = Math.min((o.nakDelayMs ?? 1_000) * 2 ** (msg.info.deliveryCount - 1), MAX_NAK_DELAY_MS);
          this.log.error(
            {
              err,
              subject: msg.subject,
              delivery: msg.info.deliveryCount,
              maxDeliver: this.maxDeliver,
              retryInMs: delayMs,
            },
            'handler failed; message will be redelivered',
          );
          msg.nak(delayMs);
        }
      }
    }
  }

  /**
   * The handler failed on the last delivery: the message goes to VA_DEAD_LETTERS and is
   * terminated. If VA_DEAD_LETTERS does not take it, it is not terminated: it stays in its stream,
   * unacknowledged, and the failure is counted.
   */
  private async deadLetter(msg: JsMsg, err: unknown): Promise<void> {
    const given = {
      subject: msg.subject,
      data: msg.data,
      stream: msg.info.stream,
      streamSeq: msg.info.streamSequence,
      deliveries: msg.info.deliveryCount,
      reason: errorMessage(err),
      errorType: err instanceof Error ? err.name : typeof err,
    };
    try {
      await this.deadLetters.send(given, 'handler_error');
    } catch {
      msg.nak(MAX_NAK_DELAY_MS);
      return;
    }
    msg.term();
  }
}

/** A subject token from a durable name: 'search-detections' stays, 'Sanity_Tracks' becomes 'sanity-tracks'. */
function deadLetterKindOf(durable: string): string {
  const kind = durable
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 32);
  return kind || 'consumer';
}

/** Logs the first malformed message and then at most one line per 10 s with the count skipped. */
function rateLimitedLogger(log: Logger): (message: string, subject: string) => void {
  let last = 0;
  let suppressed = 0;
  return (message, subject) => {
    const now = Date.now();
    if (now - last < 10_000) {
      suppressed++;
      return;
    }
    log.warn({ subject, error: message, suppressedSinceLast: suppressed }, 'malformed message skipped');
    last = now;
    suppressed = 0;
  };
}
