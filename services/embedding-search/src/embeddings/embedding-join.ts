import type { BBox } from '@va/proto/va/common/v1/geometry';
import type { ModelRef } from '@va/proto/va/common/v1/detection';
import type { Track, TrackUpdate } from '@va/proto/va/common/v1/track';
import type { SearchMetrics } from '../metrics.js';
import type { DetectionBatchF32 } from '../messages/detection-batch-reader.js';

/** What the tracker said about a track in one frame. */
export interface TrackInfo {
  cameraId: string;
  streamEpoch: string;
  trackId: string;
  classId: number;
  className: string;
  firstSeenTsMs: number;
  lastSeenTsMs: number;
  hits: number;
  sequence: number;
}

/** A track's matched detection in one frame, with the detection's appearance embedding. */
export interface EmbeddingCandidate {
  track: TrackInfo;
  sequence: number;
  tsMs: number;
  score: number;
  box: BBox | undefined;
  embedding: Float32Array;
  embedder: ModelRef | undefined;
}

interface CachedDetection {
  embedding: Float32Array;
  score: number;
  box: BBox | undefined;
}

interface CachedFrame {
  tsMs: number;
  embedder: ModelRef | undefined;
  /** Only the detections that carry an embedding, by index in the batch. */
  detections: Map<number, CachedDetection>;
}

interface PendingMatch {
  track: TrackInfo;
  detectionIndex: number;
}

class CameraWindow {
  readonly frames = new Map<string, CachedFrame>();
  readonly pending = new Map<string, PendingMatch[]>();
  embeddings = 0;
}

export interface EmbeddingJoinOptions {
  /** Frames (and frames of unmatched track updates) remembered per camera. */
  framesPerCamera: number;
  maxCameras: number;
  /** Embedding dimensions the index expects; others are skipped and counted. */
  dims: number;
  metrics: SearchMetrics;
  /** Embeddings held over all cameras (about 2 KB each for 512-d). */
  maxEmbeddings?: number;
}

/**
 * Joins TrackUpdates with the DetectionBatch of the same (camera, stream epoch, sequence), which
 * arrive on different streams and so in either order. Detections first (the usual case): the
 * batch's embeddings wait in a bounded per-camera window and the track update picks its matched
 * detection (Track.detection_index) out of it. Track update first (the tracks consumer ran ahead,
 * e.g. while catching up a backlog): its matches wait in a bounded pending window and are resolved
 * when the batch arrives ("late" joins). Whatever falls out of either window before the other side
 * comes is counted as missed: that frame just does not compete for the track's representative.
 */
export class EmbeddingJoin {
  private readonly cameras = new Map<string, CameraWindow>();
  private totalEmbeddings = 0;
  private readonly maxEmbeddings: number;

  constructor(private readonly options: EmbeddingJoinOptions) {
    this.maxEmbeddings = options.maxEmbeddings ?? 50_000;
  }

  /** Remembers the batch's embeddings; returns candidates for track matches that were waiting for it. */
  addDetections(b: DetectionBatchF32): EmbeddingCandidate[] {
    const w = this.window(b.cameraId);
    const key = frameKey(b.streamEpoch, b.sequence);
    const frame: CachedFrame = { tsMs: b.captureTsMs, embedder: b.embedder, detections: new Map() };
    b.detections.forEach((d, i) => {
      if (d.embedding.length === 0) return;
      const embedding = this.usable(d.embedding);
      if (embedding) frame.detections.set(i, { embedding, score: d.score, box: d.box });
    });
    if (!w.frames.has(key)) {
      w.frames.set(key, frame);
      w.embeddings += frame.detections.size;
      this.totalEmbeddings += frame.detections.size;
    }
    const candidates: EmbeddingCandidate[] = [];
    const waiting = w.pending.get(key);
    if (waiting) {
      w.pending.delete(key);
      for (const m of waiting) {
        const c = this.candidate(m.track, frame, m.detectionIndex);
        this.options.metrics.joins.inc({ outcome: c ? 'late' : 'no_embedding' });
        if (c) candidates.push(c);
      }
    }
    this.trim(w);
    return candidates;
  }

  /** Candidates for the tracks matched in this update whose batch is known; the rest wait. */
  matchTracks(u: TrackUpdate): EmbeddingCandidate[] {
    const w = this.window(u.cameraId);
    const key = frameKey(u.streamEpoch, u.sequence);
    const frame = w.frames.get(key);
    const candidates: EmbeddingCandidate[] = [];
    for (const t of u.tracks) {
      if (t.detectionIndex < 0) continue;
      const track = trackInfo(u, t);
      if (!frame) {
        const list = w.pending.get(key) ?? [];
        if (list.length === 0) w.pending.set(key, list);
        list.push({ track, detectionIndex: t.detectionIndex });
        continue;
      }
      const c = this.candidate(track, frame, t.detectionIndex);
      this.options.metrics.joins.inc({ outcome: c ? 'joined' : 'no_embedding' });
      if (c) candidates.push(c);
    }
    this.trim(w);
    return candidates;
  }

  /** Frames and pending matches held, over all cameras (for tests and debugging). */
  get size(): { cameras: number; embeddings: number } {
    return { cameras: this.cameras.size, embeddings: this.totalEmbeddings };
  }

  private candidate(track: TrackInfo, frame: CachedFrame, index: number): EmbeddingCandidate | undefined {
    const d = frame.detections.get(index);
    if (!d) return undefined;
    return {
      track,
      sequence: track.sequence,
      tsMs: frame.tsMs,
      score: d.score,
      box: d.box,
      embedding: d.embedding,
      embedder: frame.embedder,
    };
  }

  /** Wrong sizes and zero or non-finite vectors cannot be indexed. The vector is the decoder's own copy, kept as is. */
  private usable(values: Float32Array): Float32Array | undefined {
    if (values.length !== this.options.dims) {
      this.options.metrics.joins.inc({ outcome: 'wrong_dims' });
      return undefined;
    }
    let norm = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) return undefined;
      norm += v * v;
    }
    return norm > 0 ? values : undefined;
  }

  private window(camera: string): CameraWindow {
    let w = this.cameras.get(camera);
    if (w) {
      // Most recently used last: eviction takes the camera that has been quiet longest.
      this.cameras.delete(camera);
    } else {
      w = new CameraWindow();
    }
    this.cameras.set(camera, w);
    while (this.cameras.size > this.options.maxCameras) {
      const [oldest, ow] = this.cameras.entries().next().value as [string, CameraWindow];
      this.dropWindow(oldest, ow);
    }
    return w;
  }

  private dropWindow(camera: string, w: CameraWindow): void {
    this.cameras.delete(camera);
    this.totalEmbeddings -= w.embeddings;
    this.options.metrics.joinEvictions.inc({ what: 'camera' });
    for (const list of w.pending.values()) this.options.metrics.joins.inc({ outcome: 'missed' }, list.length);
  }

  private trim(w: CameraWindow): void {
    const { framesPerCamera, metrics } = this.options;
    while (w.frames.size > framesPerCamera) this.dropOldestFrame(w);
    while (w.pending.size > framesPerCamera) {
      const [key, list] = w.pending.entries().next().value as [string, PendingMatch[]];
      w.pending.delete(key);
      metrics.joinEvictions.inc({ what: 'pending' });
      metrics.joins.inc({ outcome: 'missed' }, list.length);
    }
    // The global bound takes from the least recently used cameras first.
    for (const other of this.cameras.values()) {
      if (this.totalEmbeddings <= this.maxEmbeddings) break;
      while (other.frames.size > 0 && this.totalEmbeddings > this.maxEmbeddings) this.dropOldestFrame(other);
    }
  }

  private dropOldestFrame(w: CameraWindow): void {
    const [key, frame] = w.frames.entries().next().value as [string, CachedFrame];
    w.frames.delete(key);
    w.embeddings -= frame.detections.size;
    this.totalEmbeddings -= frame.detections.size;
    this.options.metrics.joinEvictions.inc({ what: 'frame' });
  }
}

function frameKey(epoch: string, sequence: number): string {
  return `${epoch}\u0000${sequence}`;
}

export function trackInfo(u: TrackUpdate, t: Track): TrackInfo {
  return {
    cameraId: u.cameraId,
    streamEpoch: u.streamEpoch,
    trackId: t.trackId,
    classId: t.classId,
    className: t.className,
    firstSeenTsMs: t.firstSeenTsMs > 0 ? t.firstSeenTsMs : u.captureTsMs,
    lastSeenTsMs: t.lastSeenTsMs > 0 ? t.lastSeenTsMs : u.captureTsMs,
    hits: t.hits,
    sequence: u.sequence,
  };
}
