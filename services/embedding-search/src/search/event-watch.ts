import { codecs, streamFromBus, subjects, type ConsumerMetrics, type StreamSink } from '@va/common';
import type { TrackEvent } from '@va/proto/va/common/v1/track';
import type { WatchEventsRequest } from '@va/proto/va/search/v1/search';
import type { NatsConnection } from 'nats';
import type { QueryConfig } from '../config.js';
import { eventTypeName } from '../documents/track-events.js';
import type { SearchMetrics } from '../metrics.js';
import { eventTypeNames, validateFilter } from './query-filters.js';

export interface EventWatchDeps {
  nc: NatsConnection;
  consumerMetrics: ConsumerMetrics;
  metrics: SearchMetrics;
  limits: QueryConfig;
}

/**
 * WatchEvents: live track events straight from NATS (core subscription on va.track-events.<camera>,
 * so they arrive as soon as the tracker publishes them, before indexing). Each stream has a bounded
 * queue; when the client reads slower than events come, the oldest queued events are dropped and
 * counted (va_search_watch_dropped_total) rather than growing memory. Camera ids are only checked
 * for form here: watching a camera before it produces anything is normal.
 */
export class EventWatch {
  constructor(private readonly deps: EventWatchDeps) {}

  async watch(req: WatchEventsRequest, sink: StreamSink<TrackEvent>): Promise<void> {
    const { metrics, limits } = this.deps;
    await validateFilter(req.filter);
    const types = new Set(eventTypeNames(req.types));
    const classes = new Set(req.filter?.classNames ?? []);
    const from = req.filter?.timeRange?.fromMs ?? 0;
    const to = req.filter?.timeRange?.toMs ?? 0;
    const matches = (e: TrackEvent) =>
      (types.size === 0 || types.has(eventTypeName(e.type))) &&
      (classes.size === 0 || classes.has(e.className)) &&
      (from === 0 || e.tsMs >= from) &&
      (to === 0 || e.tsMs <= to);

    const cameras = req.filter?.cameraIds ?? [];
    metrics.watchStreams.inc();
    try {
      await streamFromBus({
        nc: this.deps.nc,
        subjects: cameras.length > 0 ? cameras.map((c) => subjects.trackEvents(c)) : [subjects.trackEvents('*')],
        codec: codecs.trackEvent,
        sink,
        queueLimit: limits.watchQueue,
        onDrop: () => metrics.watchDropped.inc(),
        accept: matches,
        consumerMetrics: this.deps.consumerMetrics,
      });
    } finally {
      metrics.watchStreams.dec();
    }
  }
}
