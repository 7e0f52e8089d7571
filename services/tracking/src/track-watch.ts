import type { Subscription } from 'nats';
import { codecs, subjects, type NatsConnectionHandle, type StreamSink } from '@va/common';
import type { TrackUpdate } from '@va/common/gen/va/common/v1/track';
import type { TrackingMetrics } from './metrics.js';

/**
 * Streams live TrackUpdates to one WatchTracks caller from core NATS subscriptions on
 * va.tracks.<camera> (JetStream publishes are also delivered to core subscribers), so any
 * instance can serve any camera. The queue per caller is bounded: when a client reads slower
 * than updates arrive, the oldest waiting update is dropped and counted, never buffered forever.
 * Resolves when the caller cancels or the server shuts down (sink.signal).
 */
export async function watchTracks(
  nats: NatsConnectionHandle,
  cameras: readonly string[],
  sink: StreamSink<TrackUpdate>,
  options: { queueLimit: number; metrics: TrackingMetrics },
): Promise<void> {
  const queue: TrackUpdate[] = [];
  let wake: (() => void) | undefined;
  const signalWake = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const targets = cameras.length === 0 ? [subjects.tracks('*')] : cameras.map((c) => subjects.tracks(c));
  const subs: Subscription[] = targets.map((subject) =>
    nats.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        let update: TrackUpdate;
        try {
          update = codecs.trackUpdate.decode(msg.data, msg.subject);
        } catch {
          return;
        }
        queue.push(update);
        if (queue.length > options.queueLimit) {
          queue.shift();
          options.metrics.watchDropped.inc();
        }
        signalWake();
      },
    }),
  );
  const onAbort = () => signalWake();
  sink.signal.addEventListener('abort', onAbort);
  options.metrics.watchStreams.inc();
  try {
    while (!sink.signal.aborted) {
      const next = queue.shift();
      if (next) {
        await sink.write(next);
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } catch (err) {
    if (!sink.signal.aborted) throw err;
  } finally {
    sink.signal.removeEventListener('abort', onAbort);
    for (const s of subs) s.unsubscribe();
    options.metrics.watchStreams.dec();
  }
}
