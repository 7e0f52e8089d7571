import type { BBox } from '@va/proto/va/common/v1/geometry';
import type { ModelRef } from '@va/proto/va/common/v1/detection';
import type { TrackUpdate } from '@va/proto/va/common/v1/track';
import { boxDoc, boxFromDoc, compact, modelDoc } from '../documents/fields.js';
import { CameraTrackTable } from '../camera-track-table.js';
import type { BulkOp } from '../indices/bulk-op.js';
import type { IndexRouter } from '../indices/index-router.js';
import type { SearchMetrics } from '../metrics.js';
import { trackInfo, type EmbeddingCandidate, type TrackInfo } from './embedding-join.js';
import type { StoredSummary, TrackSummaryStore } from './track-summary-store.js';

interface Best {
  score: number;
  sequence: number;
  tsMs: number;
  box: BBox | undefined;
  embedding: ArrayLike<number>;
  embedder: ModelRef | undefined;
}

interface Summary {
  key: string;
  index: string;
  cameraId: string;
  trackId: string;
  streamEpoch: string;
  classId: number;
  className: string;
  firstSeenTsMs: number;
  lastSeenTsMs: number;
  lastSequence: number;
  hits: number;
  best: Best | undefined;
  /** External version of the last write (continues from the stored document after a restart). */
  version: number;
  /** Last seen time at the last write (refreshes are spaced by event time, not by frames); undefined when never written. */
  writtenTsMs: number | undefined;
  dirty: boolean;
  /** A first embedding: written at once so the track becomes searchable. */
  urgent: boolean;
}

export interface TrackSummariesOptions {
  router: IndexRouter;
  store: TrackSummaryStore;
  metrics: SearchMetrics;
  /** The summary (and its representative embedding) is rewritten at most once per this many ms of the track's event time. */
  refreshMs: number;
  maxTracks: number;
}

type WriteReason = 'new' | 'embedding' | 'refresh' | 'final' | 'evicted';

/**
 * One summary document per track (`<camera>/<track>` in the embeddings index of the day the track
 * started): class, first/last seen, hits and the representative embedding, which is the embedding
 * of the best-scoring detection the track matched so far. Written when the track first appears,
 * at once when it gets its first embedding, then at most every `refreshMs` of the track's own time (capture time, not wall clock) while
 * anything changed, and a last time when the track leaves the tracker's updates. Writes carry an
 * increasing external version, so a retried older write can never overwrite a newer one.
 *
 * A track new to this process may have been written by an earlier one (restart, redelivery): its
 * stored summary is read back in the background (batched mget) and merged in (best embedding,
 * first/last seen, version), without holding up the consumer. Until then this process's writes
 * carry lower versions than the stored document and are refused as superseded, so the stored
 * state is never replaced by a partial one; after the merge, writes continue above its version.
 */
export class TrackSummaries {
  private readonly tracks = new CameraTrackTable<Summary>();
  /** Tracks whose stored summary has not been read back yet. */
  private readonly toSeed = new Set<string>();
  private seeding: Promise<void> | undefined;
  private seedRetry: NodeJS.Timeout | undefined;

  constructor(private readonly options: TrackSummariesOptions) {}

  get size(): number {
    return this.tracks.size;
  }

  /** Applies one tracker update and the candidates joined for it; returns the summary writes due. */
  observe(update: TrackUpdate, candidates: readonly EmbeddingCandidate[]): BulkOp[] {
    const infos = update.tracks.map((t) => trackInfo(update, t));
    this.ensureKnown([...infos, ...candidates.map((c) => c.track)]);
    const present = new Set<string>();
    for (const info of infos) {
      const s = this.tracks.get(keyOf(info));
      if (!s) continue;
      present.add(s.key);
      applyInfo(s, info);
      this.tracks.touch(s);
    }
    for (const c of candidates) this.applyCandidate(c);
    const writes: BulkOp[] = [];
    for (const key of present) this.writeIfDue(this.tracks.get(key) as Summary, writes);
    // A track missing from its camera's update has been removed by the tracker: last write, then forget it.
    for (const s of this.tracks.ofCamera(update.cameraId)) {
      if (present.has(s.key)) continue;
      if (s.dirty) writes.push(this.write(s, 'final'));
      this.forget(s);
    }
    this.enforceLimit(writes);
    this.options.metrics.activeTracks.set(this.tracks.size);
    return writes;
  }

  /** Candidates that joined late (their detections came after the track update). */
  offer(candidates: readonly EmbeddingCandidate[]): BulkOp[] {
    if (candidates.length === 0) return [];
    this.ensureKnown(candidates.map((c) => c.track));
    const writes: BulkOp[] = [];
    for (const c of candidates) {
      const s = this.applyCandidate(c);
      if (s) this.writeIfDue(s, writes);
    }
    this.enforceLimit(writes);
    this.options.metrics.activeTracks.set(this.tracks.size);
    return writes;
  }

  private applyCandidate(c: EmbeddingCandidate): Summary | undefined {
    const s = this.tracks.get(keyOf(c.track));
    if (!s) return undefined;
    if (s.best && !(c.score > s.best.score)) return s;
    if (!s.best) s.urgent = true;
    s.best = {
      score: c.score,
      sequence: c.sequence,
      tsMs: c.tsMs,
      box: c.box,
      embedding: c.embedding,
      embedder: c.embedder,
    };
    s.dirty = true;
    return s;
  }

  private writeIfDue(s: Summary, writes: BulkOp[]): void {
    if (s.writtenTsMs === undefined) writes.push(this.write(s, 'new'));
    else if (s.urgent) writes.push(this.write(s, 'embedding'));
    else if (s.dirty && s.lastSeenTsMs - s.writtenTsMs >= this.options.refreshMs) writes.push(this.write(s, 'refresh'));
  }

  private enforceLimit(writes: BulkOp[]): void {
    while (this.tracks.size > this.options.maxTracks) {
      const s = this.tracks.oldest() as Summary;
      if (s.dirty) writes.push(this.write(s, 'evicted'));
      this.forget(s);
    }
  }

  private forget(s: Summary): void {
    this.tracks.delete(s);
  }

  private write(s: Summary, reason: WriteReason): BulkOp {
    s.version++;
    s.writtenTsMs = s.lastSeenTsMs;
    s.dirty = false;
    s.urgent = false;
    this.options.metrics.summaryWrites.inc({ reason });
    return {
      kind: 'embeddings',
      index: s.index,
      id: s.key,
      version: { value: s.version, type: 'external' },
      eventTsMs: s.lastSeenTsMs,
      doc: summaryDoc(s),
    };
  }

  /** Resolves when no stored summary is being read (for tests and shutdown). */
  async seeded(): Promise<void> {
    while (this.seeding) await this.seeding;
  }

  close(): void {
    clearTimeout(this.seedRetry);
    this.toSeed.clear();
  }

  /** Creates the state of tracks new to this process at once and queues the read-back of their stored summary. */
  private ensureKnown(infos: readonly TrackInfo[]): void {
    for (const info of infos) {
      const key = keyOf(info);
      if (this.tracks.has(key)) continue;
      const index = this.options.router.route('embeddings', info.firstSeenTsMs);
      if (!index) continue;
      this.tracks.touch(fresh(key, index, info));
      this.toSeed.add(key);
    }
    if (this.toSeed.size > 0 && !this.seeding && !this.seedRetry) this.seeding = this.seed();
  }

  private async seed(): Promise<void> {
    try {
      while (this.toSeed.size > 0) {
        const keys = [...this.toSeed].slice(0, 500);
        const refs = keys
          .map((key) => this.tracks.get(key))
          .filter((s) => s !== undefined)
          .map((s) => ({ index: s.index, id: s.key }));
        const stored = await this.options.store.load(refs);
        for (const key of keys) {
          this.toSeed.delete(key);
          const s = this.tracks.get(key);
          const found = stored.get(key);
          if (s && found) merge(s, found);
        }
      }
    } catch {
      // Elasticsearch unavailable: read them back later; writes meanwhile cannot overwrite a newer stored version.
      this.seedRetry = setTimeout(() => {
        this.seedRetry = undefined;
        if (this.toSeed.size > 0 && !this.seeding) this.seeding = this.seed();
      }, 2_000);
      this.seedRetry.unref();
    } finally {
      this.seeding = undefined;
    }
  }
}

function keyOf(info: Pick<TrackInfo, 'cameraId' | 'trackId'>): string {
  return `${info.cameraId}/${info.trackId}`;
}

function fresh(key: string, index: string, info: TrackInfo): Summary {
  return {
    key,
    index,
    cameraId: info.cameraId,
    trackId: info.trackId,
    streamEpoch: info.streamEpoch,
    classId: info.classId,
    className: info.className,
    firstSeenTsMs: info.firstSeenTsMs,
    lastSeenTsMs: info.lastSeenTsMs,
    lastSequence: info.sequence,
    hits: info.hits,
    best: undefined,
    version: 0,
    writtenTsMs: undefined,
    dirty: true,
    urgent: false,
  };
}

/** Folds a stored summary into the state this process built so far. */
function merge(s: Summary, stored: StoredSummary): void {
  const d = stored.source;
  s.firstSeenTsMs = Math.min(s.firstSeenTsMs, Number(d.first_seen_ts ?? s.firstSeenTsMs));
  s.lastSeenTsMs = Math.max(s.lastSeenTsMs, Number(d.last_seen_ts ?? 0));
  s.lastSequence = Math.max(s.lastSequence, Number(d.last_sequence ?? 0));
  s.hits = Math.max(s.hits, Number(d.hits ?? 0));
  s.version = Math.max(s.version, stored.version);
  s.writtenTsMs = Math.max(s.writtenTsMs ?? 0, Number(d.last_seen_ts ?? 0));
  s.dirty = true;
  const embedding = Array.isArray(d.embedding) ? (d.embedding as number[]) : undefined;
  const score = Number(d.best_score ?? 0);
  if (embedding && (!s.best || score > s.best.score)) {
    const embedder = d.embedder as { name?: string; version?: string } | undefined;
    s.best = {
      score,
      sequence: Number(d.best_sequence ?? 0),
      tsMs: Number(d.best_ts ?? 0),
      box: boxFromDoc(d.best_box),
      embedding,
      embedder: embedder ? { name: embedder.name ?? '', version: embedder.version ?? '' } : undefined,
    };
    s.urgent = false;
  }
}

function applyInfo(s: Summary, info: TrackInfo): void {
  s.classId = info.classId;
  s.className = info.className;
  s.streamEpoch = info.streamEpoch;
  s.firstSeenTsMs = Math.min(s.firstSeenTsMs, info.firstSeenTsMs);
  s.lastSeenTsMs = Math.max(s.lastSeenTsMs, info.lastSeenTsMs);
  s.lastSequence = Math.max(s.lastSequence, info.sequence);
  s.hits = Math.max(s.hits, info.hits);
  s.dirty = true;
}

function summaryDoc(s: Summary): Record<string, unknown> {
  const b = s.best;
  return compact({
    '@timestamp': s.firstSeenTsMs,
    camera_id: s.cameraId,
    stream_epoch: s.streamEpoch,
    track_id: s.trackId,
    class_id: s.classId,
    class_name: s.className,
    first_seen_ts: s.firstSeenTsMs,
    last_seen_ts: s.lastSeenTsMs,
    last_sequence: s.lastSequence,
    hits: s.hits,
    has_embedding: b !== undefined,
    best_score: b && Number.isFinite(b.score) ? b.score : undefined,
    best_sequence: b?.sequence,
    best_ts: b?.tsMs,
    best_box: boxDoc(b?.box),
    embedder: modelDoc(b?.embedder),
    embedding: b ? Array.from(b.embedding) : undefined,
  });
}
