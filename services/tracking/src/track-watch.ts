import {
  codecs,
  streamFromBus,
  subjects,
  type ConsumerMetrics,
  type NatsConnectionHandle,
  type StreamSink,
} from '@va/common';
import type { TrackUpdate } from '@va/proto/va/common/v1/track';
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
  options: { queueLimit: number; metrics: TrackingMetrics; consumerMetrics: ConsumerMetrics },
): Promise<void> {
  const targets = cameras.length === 0 ? [subjects.tracks('*')] : cameras.map((c) => subjects.tracks(c));
  options.metrics.watchStreams.inc();
  try {
    await streamFromBus({
      nc: nats.nc,
      subjects: targets,
      codec: codecs.trackUpdate,
      sink,
      queueLimit: options.queueLimit,
      onDrop: () => options.metrics.watchDropped.inc(),
      consumerMetrics: options.consumerMetrics,
    });
  } finally {
    options.metrics.watchStreams.dec();
  }
}
