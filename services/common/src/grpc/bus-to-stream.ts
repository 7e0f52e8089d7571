import type { NatsConnection } from 'nats';
import type { Codec } from '../nats/codec.js';
import type { ConsumerMetrics } from '../nats/consumers.js';
import type { StreamSink } from './server.js';

export interface BusToStreamOptions<T> {
  nc: NatsConnection;
  /** Core NATS subjects (wildcards allowed); JetStream publishes reach core subscribers too. */
  subjects: readonly string[];
  codec: Codec<T>;
  sink: StreamSink<T>;
  /** Messages waiting for a slow caller before the oldest is dropped. */
  queueLimit: number;
  /** Called once per dropped message (count it). */
  onDrop: () => void;
  /** Only messages this accepts are queued (a request's filter). */
  accept?: (value: T) => boolean;
  /** Malformed messages are skipped and counted here (`malformed`, by subject). */
  consumerMetrics: ConsumerMetrics;
}

/**
 * Serves one server-streaming call from live bus messages: subscribes, queues what arrives in a
 * bounded queue (when the caller reads slower than messages come, the oldest waiting one is
 * dropped and counted, never buffered without bound) and writes them in order. Deliveries are not
 * counted as received: each watcher gets its own copy, which would inflate the consumption rates
 * (and the error ratio's denominator) by the number of watchers. Resolves when the
 * caller cancels or the server shuts down (sink.signal); a write that fails after that is not an
 * error.
 */
export async function streamFromBus<T>(o: BusToStreamOptions<T>): Promise<void> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  const signalWake = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const handle = (value: T) => {
    if (o.accept && !o.accept(value)) return;
    queue.push(value);
    if (queue.length > o.queueLimit) {
      queue.shift();
      o.onDrop();
    }
    signalWake();
  };
  const subs = o.subjects.map((subject) =>
    o.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        let value: T;
        try {
          value = o.codec.decode(msg.data, msg.subject);
        } catch {
          o.consumerMetrics.malformed.inc({ source: subject });
          return;
        }
        handle(value);
      },
    }),
  );
  o.sink.signal.addEventListener('abort', signalWake);
  try {
    while (!o.sink.signal.aborted) {
      const next = queue.shift();
      if (next !== undefined) {
        await o.sink.write(next);
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } catch (err) {
    if (!o.sink.signal.aborted) throw err;
  } finally {
    o.sink.signal.removeEventListener('abort', signalWake);
    for (const s of subs) s.unsubscribe();
  }
}
