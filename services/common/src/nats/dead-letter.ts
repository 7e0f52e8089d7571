import { headers as natsHeaders, type Subscription } from 'nats';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { NatsConnectionHandle } from './connection.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import { subjects } from './subjects.js';

/** A message a durable consumer gives up on. */
export interface GivenUp {
  subject: string;
  data: Uint8Array;
  stream: string;
  streamSeq: number;
  deliveries: number;
  /** Why, for people: the handler's error message, or that it was never acknowledged. */
  reason: string;
  errorType: string;
}

/**
 * Moves messages a durable consumer gives up on to va.deadletter.<kind>.<camera> (stream
 * VA_DEAD_LETTERS): the original bytes, with the reason, stream, sequence and delivery count in
 * headers. The message id is the consumer, stream and sequence, so the handler's path and the
 * max-deliveries advisory (or two instances of the consumer) store one copy, counted once.
 */
export class ConsumerDeadLetters {
  constructor(
    private readonly nats: NatsConnectionHandle,
    private readonly durable: string,
    private readonly kind: string,
    private readonly metrics: ConsumerMetrics,
    private readonly source: string,
    private readonly log: Logger,
  ) {
    subjects.deadLetter(kind, '*'); // throws now, at construction, on a kind that is not a subject token
  }

  /** Stores the dead letter; throws when VA_DEAD_LETTERS does not take it (counted). */
  async send(m: GivenUp, metricReason: 'handler_error' | 'not_acknowledged'): Promise<void> {
    const h = natsHeaders();
    h.set('Va-Reason', headerValue(m.reason));
    h.set('Va-Error-Type', headerValue(m.errorType));
    h.set('Va-Consumer', this.durable);
    h.set('Va-Source-Stream', m.stream);
    h.set('Va-Source-Subject', m.subject);
    h.set('Va-Source-Seq', String(m.streamSeq));
    h.set('Va-Deliveries', String(m.deliveries));
    const subject = subjects.deadLetter(this.kind, subjects.cameraOf(m.subject) ?? 'unknown');
    let duplicate: boolean;
    try {
      ({ duplicate } = await this.nats.js.publish(subject, m.data, {
        headers: h,
        msgID: `dl:${this.durable}:${m.stream}:${m.streamSeq}`,
      }));
    } catch (err) {
      this.metrics.deadLetterFailures.inc({ source: this.source });
      this.log.error(
        { err: errorMessage(err), subject: m.subject, seq: m.streamSeq },
        'could not dead-letter a message given up on; it stays unacknowledged in its stream',
      );
      throw err;
    }
    if (duplicate) return;
    this.metrics.deadLettered.inc({ source: this.source, reason: metricReason });
    this.log.error(
      {
        subject: m.subject,
        seq: m.streamSeq,
        deliveries: m.deliveries,
        reason: m.reason.slice(0, 300),
        deadLetter: subject,
      },
      'message given up on and dead-lettered',
    );
  }

  /**
   * Messages that reached max_deliver without the handler failing on the last delivery (it was
   * never acknowledged: the process died, ack_wait passed, a manual-ack handler nak'ed it): the
   * server stops delivering them and says so in an advisory. They are dead-lettered from the
   * stream's copy, which stays where it is.
   */
  watchMaxDeliveries(stream: string): Subscription {
    return this.nats.nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${this.durable}`, {
      callback: (err, msg) => {
        if (err) return;
        void this.onMaxDeliveries(stream, msg.data);
      },
    });
  }

  private async onMaxDeliveries(stream: string, data: Uint8Array): Promise<void> {
    let advisory: { stream_seq?: number; deliveries?: number };
    try {
      advisory = JSON.parse(new TextDecoder().decode(data)) as typeof advisory;
    } catch {
      return;
    }
    const seq = advisory.stream_seq;
    if (typeof seq !== 'number' || seq <= 0) return;
    try {
      const stored = await this.nats.jsm.streams.getMessage(stream, { seq });
      const deliveries = advisory.deliveries ?? 0;
      await this.send(
        {
          subject: stored.subject,
          data: stored.data,
          stream,
          streamSeq: seq,
          deliveries,
          reason: `not acknowledged after ${deliveries} deliveries`,
          errorType: 'max_deliveries',
        },
        'not_acknowledged',
      );
    } catch (err) {
      this.log.error({ err: errorMessage(err), stream, seq }, 'message past max deliveries not dead-lettered');
    }
  }
}

function headerValue(value: string): string {
  // NATS headers are single-line ASCII.
  return value.replace(/[^\x20-\x7e]/g, ' ').slice(0, 400);
}
