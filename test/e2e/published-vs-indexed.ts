// What the pipeline published on JetStream for a camera, and what Elasticsearch holds for it, as
// sets of the deterministic document ids the indexer derives from each message. The published side
// applies the indexing policy (per-frame detections opt-in, track paths sampled), computed here on
// its own from the messages, so equal sets mean the indexer wrote exactly what the policy selects,
// each once.
import type { Client } from '@elastic/elasticsearch';
import { codecs, STREAMS, subjects, type NatsConnectionHandle } from '@va/common';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { TrackEventType, type TrackEvent, type TrackUpdate } from '@va/proto/va/common/v1/track';
import { readStored } from '@va/harness/tracking-service';
import { waitFor } from '@va/harness/ports';

export interface ResultIds {
  detections: Set<string>;
  tracks: Set<string>;
  'track-events': Set<string>;
  embeddings: Set<string>;
}
export const RESULT_KINDS = ['detections', 'tracks', 'track-events', 'embeddings'] as const;

/** What embedding-search indexes: its defaults are per-frame detections off and one path point per second. */
export interface IndexPolicy {
  /** VA_SEARCH_INDEX_DETECTIONS lists the camera (or `all`). */
  detections: boolean;
  /** VA_SEARCH_PATH_INTERVAL_MS (0: every point). */
  pathIntervalMs: number;
}
export const DEFAULT_POLICY: IndexPolicy = { detections: false, pathIntervalMs: 1_000 };

/** The ids the policy selects per kind (`detections`, `tracks`: what must be indexed), and what was published in all. */
export interface Published extends ResultIds {
  /** Messages stored per subject (JetStream's own count), before de-duplication by id. */
  messages: { detections: number; tracks: number; events: number };
  /** Every DetectionBatch id published, indexed or not. */
  batches: Set<string>;
  /** Every track point published (one per track per TrackUpdate), indexed or not. */
  trackPoints: number;
  detectionSequences: number[];
  trackSequences: number[];
}

/** Messages JetStream stores on one subject, from the stream's per-subject state. */
export async function storedCount(bus: NatsConnectionHandle, stream: string, subject: string): Promise<number> {
  const info = await bus.jsm.streams.info(stream, { subjects_filter: subject });
  return Object.values(info.state.subjects ?? {}).reduce((s, n) => s + n, 0);
}

const pointId = (camera: string, epoch: string, sequence: number, track: string) =>
  `${camera}:${epoch}:${sequence}:${track}`;

/**
 * The track points the path policy selects, from the updates in stream order and the events: per
 * track its first point; a detected point (frame not predicted, track matched) once `intervalMs`
 * of capture time passed since the last selected one; its last detected point not yet selected,
 * when the track is missing from a later update of the camera or has an ENDED event; a point at
 * each zone enter/exit and line crossing.
 */
function sampledPathPoints(updates: TrackUpdate[], events: TrackEvent[], intervalMs: number): Set<string> {
  if (intervalMs === 0)
    return new Set(
      updates.flatMap((u) => u.tracks.map((t) => pointId(u.cameraId, u.streamEpoch, u.sequence, t.trackId))),
    );
  const out = new Set<string>();
  const live = new Map<string, { last: number; held: string | undefined }>();
  const epochs = new Map<string, string>();
  for (const u of updates) {
    const present = new Set<string>();
    for (const t of u.tracks) {
      present.add(t.trackId);
      const id = pointId(u.cameraId, u.streamEpoch, u.sequence, t.trackId);
      const ts = u.captureTsMs;
      const state = live.get(t.trackId);
      const detected = !u.predicted && t.detectionIndex >= 0;
      if (!state) {
        out.add(id);
        live.set(t.trackId, { last: ts, held: undefined });
      } else if (detected && ts - state.last >= intervalMs) {
        out.add(id);
        Object.assign(state, { last: ts, held: undefined });
      } else if (detected) state.held = id;
      epochs.set(t.trackId, u.streamEpoch);
    }
    for (const [track, state] of live) {
      if (present.has(track)) continue;
      if (state.held) out.add(state.held);
      live.delete(track);
    }
  }
  for (const e of events) {
    if (e.type === TrackEventType.TRACK_EVENT_TYPE_ENDED) {
      const held = live.get(e.trackId)?.held;
      if (held) out.add(held);
    } else if (
      [
        TrackEventType.TRACK_EVENT_TYPE_ZONE_ENTER,
        TrackEventType.TRACK_EVENT_TYPE_ZONE_EXIT,
        TrackEventType.TRACK_EVENT_TYPE_LINE_CROSS,
      ].includes(e.type)
    ) {
      out.add(pointId(e.cameraId, epochs.get(e.trackId) ?? '', e.sequence, e.trackId));
    }
  }
  return out;
}

export async function publishedFor(
  bus: NatsConnectionHandle,
  camera: string,
  policy: IndexPolicy = DEFAULT_POLICY,
): Promise<Published> {
  const batches = await readStored(bus, STREAMS.detections.name, subjects.detections(camera), (b) =>
    codecs.detectionBatch.decode(b),
  );
  const updates = await readStored(bus, STREAMS.tracks.name, subjects.tracks(camera), (b) =>
    codecs.trackUpdate.decode(b),
  );
  const events = await readStored(bus, STREAMS.trackEvents.name, subjects.trackEvents(camera), (b) =>
    codecs.trackEvent.decode(b),
  );
  const batchIds = new Set(batches.map((b) => `${b.cameraId}:${b.streamEpoch}:${b.sequence}`));
  return {
    detections: policy.detections ? batchIds : new Set(),
    batches: batchIds,
    trackPoints: updates.reduce((n, u) => n + u.tracks.length, 0),
    tracks: sampledPathPoints(updates, events, policy.pathIntervalMs),
    'track-events': new Set(events.map((e) => e.eventId)),
    embeddings: new Set(updates.flatMap((u) => u.tracks.map((t) => `${u.cameraId}/${t.trackId}`))),
    messages: { detections: batches.length, tracks: updates.length, events: events.length },
    detectionSequences: batches.map((b) => b.sequence),
    trackSequences: updates.map((u) => u.sequence),
  };
}

/**
 * Every document id of one kind for one camera (through the kind's alias), after a refresh. Paged
 * with a point in time and `_shard_doc` order: sorting on `_id` is refused by Elasticsearch 8.
 */
export async function indexedIds(es: Client, prefix: string, kind: string, camera: string): Promise<string[]> {
  const index = `${prefix}-${kind}`;
  await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  const exists = await es.indices.exists({ index });
  if (!exists) return [];
  const pit = await es.openPointInTime({ index, keep_alive: '1m' });
  const ids: string[] = [];
  try {
    let after: unknown[] | undefined;
    for (;;) {
      const res = await es.search({
        pit: { id: pit.id, keep_alive: '1m' },
        size: 5_000,
        _source: false,
        query: { term: { camera_id: camera } },
        sort: [{ _shard_doc: 'asc' }],
        ...(after ? { search_after: after as never } : {}),
      });
      const hits = res.hits.hits;
      ids.push(...hits.map((h) => h._id as string));
      if (hits.length < 5_000) return ids;
      after = hits.at(-1)?.sort;
    }
  } finally {
    await es.closePointInTime({ id: pit.id }).catch(() => undefined);
  }
}

export async function indexedFor(
  es: Client,
  prefix: string,
  camera: string,
): Promise<ResultIds & { duplicates: number }> {
  const out = { duplicates: 0 } as ResultIds & { duplicates: number };
  for (const kind of RESULT_KINDS) {
    const ids = await indexedIds(es, prefix, kind, camera);
    out[kind] = new Set(ids);
    // Daily indices behind one alias: the same id in two indices would be a duplicate result.
    out.duplicates += ids.length - out[kind].size;
  }
  return out;
}

/** Ids in `a` and not in `b`, a few of them, for assertion messages. */
export function missing(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((x) => !b.has(x)).slice(0, 5);
}

/**
 * Waits until the given durable consumers have nothing left to deliver or acknowledge, read from
 * JetStream itself (the services' lag gauges are polled every few seconds).
 */
export async function waitConsumersDrained(
  bus: NatsConnectionHandle,
  consumers: Array<{ stream: string; durable: string }>,
  timeoutMs = 180_000,
): Promise<void> {
  await waitFor(
    async () => {
      for (const c of consumers) {
        const info = await bus.jsm.consumers.info(c.stream, c.durable).catch(() => undefined);
        if (!info || info.num_pending > 0 || info.num_ack_pending > 0) return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 250, what: `consumers drained: ${consumers.map((c) => c.durable).join(', ')}` },
  );
}

/** Rules that judge frames the detector skipped (frame statistics, latency); every other rule must stay off them. */
export const UNDETECTED_FRAME_RULES: ReadonlySet<string> = new Set([
  'frame-freeze',
  'dark-or-blank-frame',
  'camera-fault',
  'latency-slo',
]);

/**
 * Every TrackUpdate of a camera that read `frames` frames, once all are stored, then the rest of
 * the camera's results settled in the given consumers. A drained consumer alone proves nothing:
 * when it is checked, the last DetectionBatch or TrackUpdate may not be stored yet. A shortfall
 * says where the frames went (`journey`).
 */
export async function waitTrackUpdates(
  bus: NatsConnectionHandle,
  camera: string,
  frames: number,
  journey: () => Promise<string>,
  consumers: Array<{ stream: string; durable: string }>,
): Promise<{ batches: DetectionBatch[]; updates: TrackUpdate[] }> {
  const read = () => readStored(bus, STREAMS.tracks.name, subjects.tracks(camera), (b) => codecs.trackUpdate.decode(b));
  const updates = await waitFor(
    async () => {
      const stored = await read();
      return stored.length >= frames ? stored : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250, what: `${frames} track updates stored` },
  ).catch(async (err: unknown) => {
    throw new Error(`${String(err)}; ${await journey()}`);
  });
  await waitConsumersDrained(bus, consumers);
  const batches = await readStored(bus, STREAMS.detections.name, subjects.detections(camera), (b) =>
    codecs.detectionBatch.decode(b),
  );
  return { batches, updates };
}

/** The durable consumers of tracking (per camera) and of the search indexer (per stream). */
export function pipelineConsumers(camera: string): Array<{ stream: string; durable: string }> {
  return [
    { stream: STREAMS.detections.name, durable: `tracking-${camera}` },
    { stream: STREAMS.detections.name, durable: 'embedding-search-detections' },
    { stream: STREAMS.tracks.name, durable: 'embedding-search-tracks' },
    { stream: STREAMS.trackEvents.name, durable: 'embedding-search-track-events' },
  ];
}

/**
 * Published and indexed results once the pipeline has settled: the consumers drained, and
 * JetStream's counts the same before and after reading Elasticsearch (a late event, e.g. a
 * track ended for idleness, makes it read again).
 */
export async function settledResults(
  bus: NatsConnectionHandle,
  es: Client,
  prefix: string,
  camera: string,
  policy: IndexPolicy = DEFAULT_POLICY,
): Promise<{ published: Published; indexed: ResultIds & { duplicates: number } }> {
  for (let attempt = 0; ; attempt++) {
    await waitConsumersDrained(bus, pipelineConsumers(camera));
    const published = await publishedFor(bus, camera, policy);
    const indexed = await indexedFor(es, prefix, camera);
    const again = await publishedFor(bus, camera, policy);
    // Message counts too: with detection documents off, a late DetectionBatch changes no id set.
    const stable =
      RESULT_KINDS.every((k) => again[k].size === published[k].size) &&
      JSON.stringify(again.messages) === JSON.stringify(published.messages);
    if (stable || attempt >= 5) return { published, indexed };
  }
}
