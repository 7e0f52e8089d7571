import { Counter, Gauge, type Registry } from 'prom-client';

/** Counters every consumer of the bus shares, named for the owning service. */
export class ConsumerMetrics {
  readonly received: Counter<'source'>;
  readonly malformed: Counter<'source'>;
  readonly handlerErrors: Counter<'source'>;
  readonly deadLettered: Counter<'source' | 'reason'>;
  readonly deadLetterFailures: Counter<'source'>;
  readonly lag: Gauge<'consumer'>;

  constructor(registry: Registry, prefix: string) {
    this.received = new Counter({
      name: `${prefix}messages_received_total`,
      help: 'Messages received from NATS, by source subject pattern.',
      labelNames: ['source'],
      registers: [registry],
    });
    this.malformed = new Counter({
      name: `${prefix}malformed_messages_total`,
      help: 'Messages that could not be decoded or validated; skipped.',
      labelNames: ['source'],
      registers: [registry],
    });
    this.handlerErrors = new Counter({
      name: `${prefix}handler_errors_total`,
      help: 'Messages whose processing threw.',
      labelNames: ['source'],
      registers: [registry],
    });
    this.deadLettered = new Counter({
      name: `${prefix}dead_lettered_total`,
      help: 'Messages given up on after VA_JS_MAX_DELIVER deliveries, moved to VA_DEAD_LETTERS, by source and reason.',
      labelNames: ['source', 'reason'],
      registers: [registry],
    });
    this.deadLetterFailures = new Counter({
      name: `${prefix}dead_letter_failures_total`,
      help: 'Messages that should have been dead-lettered but could not be published to VA_DEAD_LETTERS; left unacknowledged in their stream.',
      labelNames: ['source'],
      registers: [registry],
    });
    this.lag = new Gauge({
      name: `${prefix}consumer_lag_messages`,
      help: 'Messages in the stream not yet delivered to this durable consumer.',
      labelNames: ['consumer'],
      registers: [registry],
    });
  }
}
