import { TrackEventType, type Track, type TrackEvent, type TrackUpdate } from '@va/proto/va/common/v1/track';
import { CameraTrackTable } from '../camera-track-table.js';
import type { SearchMetrics } from '../metrics.js';
import { boxDoc, compact, eventTime, type DocDraft } from './fields.js';
import { trackPointDoc, trackPointDocs, updateTime } from './track-points.js';

export interface TrackPathSamplerOptions {
  /** At most one point per track per this many ms of capture time, besides first, last and event points; 0 keeps every point. */
  intervalMs: number;
  /** Tracks held in memory; the least recently updated one beyond this is ended early (its last point written). */
  maxTracks: number;
  metrics: SearchMetrics;
}

interface PathState {
  key: string;
  cameraId: string;
  streamEpoch: string;
  lastIndexedTsMs: number;
  lastIndexedSequence: number;
  /** The newest detected point not indexed yet: becomes the track's last point when the track ends (its document built then). */
  held: { update: TrackUpdate; track: Track; tsMs: number } | undefined;
}

const EVENT_POINT_TYPES = new Set([
  TrackEventType.TRACK_EVENT_TYPE_ZONE_ENTER,
  TrackEventType.TRACK_EVENT_TYPE_ZONE_EXIT,
  TrackEventType.TRACK_EVENT_TYPE_LINE_CROSS,
]);

/**
 * Chooses which track points are indexed: people search paths at seconds' resolution, and every
 * point of every frame is the bulk of the documents (JetStream keeps all of them for replay).
 * Per track, in the order of its camera's updates (capture time, not wall clock):
 * - its first point;
 * - a detected point (the frame was detected and the track matched a detection; predicted boxes
 *   are the tracker's guesses) once `intervalMs` has passed since the last indexed point;
 * - its last detected point, written when the track leaves its camera's updates or its ENDED
 *   event arrives;
 * - a point at each zone enter/exit and line crossing: the frame's own point when it is already
 *   indexed or held, else one built from the event (a later sampled point of that frame replaces it).
 * Ids stay `<camera>:<epoch>:<sequence>:<track>`, so a redelivery overwrites. State is in memory:
 * after a restart a track's next point counts as its first, and a held last point is lost (the
 * message it came from was acked); both only change which samples the path has.
 */
export class TrackPathSampler {
  private readonly tracks = new CameraTrackTable<PathState>();

  constructor(private readonly options: TrackPathSamplerOptions) {}

  get size(): number {
    return this.tracks.size;
  }

  /** The points of one update that are indexed now (and last points of tracks it no longer has). */
  sample(u: TrackUpdate): DocDraft[] {
    const { intervalMs, metrics } = this.options;
    if (intervalMs === 0) {
      metrics.pathPoints.inc({ outcome: 'indexed' }, u.tracks.length);
      return trackPointDocs(u);
    }
    const tsMs = updateTime(u);
    const out: DocDraft[] = [];
    const present = new Set<string>();
    let deferred = 0;
    for (const t of u.tracks) {
      const key = `${u.cameraId}/${t.trackId}`;
      present.add(key);
      const detected = !u.predicted && t.detectionIndex >= 0;
      let s = this.tracks.get(key);
      if (!s) {
        s = {
          key,
          cameraId: u.cameraId,
          streamEpoch: u.streamEpoch,
          lastIndexedTsMs: tsMs,
          lastIndexedSequence: u.sequence,
          held: undefined,
        };
        out.push(trackPointDoc(u, t, tsMs));
      } else if (detected && tsMs - s.lastIndexedTsMs >= intervalMs) {
        s.lastIndexedTsMs = tsMs;
        s.lastIndexedSequence = u.sequence;
        s.held = undefined;
        out.push(trackPointDoc(u, t, tsMs));
      } else {
        deferred++;
        if (detected) s.held = { update: u, track: t, tsMs };
      }
      s.streamEpoch = u.streamEpoch;
      this.tracks.touch(s);
    }
    // A track missing from its camera's update was removed by the tracker: its last point, then forget it.
    for (const s of this.tracks.ofCamera(u.cameraId)) if (!present.has(s.key)) this.end(s, out);
    while (this.tracks.size > this.options.maxTracks) this.end(this.tracks.oldest() as PathState, out);
    metrics.pathPoints.inc({ outcome: 'indexed' }, out.length);
    if (deferred > 0) metrics.pathPoints.inc({ outcome: 'deferred' }, deferred);
    return out;
  }

  /** The point a track event adds to the path: the held last point at ENDED, the event's own box at zone and line events. */
  pointsOf(e: TrackEvent): DocDraft[] {
    if (this.options.intervalMs === 0) return [];
    const key = `${e.cameraId}/${e.trackId}`;
    const s = this.tracks.get(key);
    const out: DocDraft[] = [];
    if (e.type === TrackEventType.TRACK_EVENT_TYPE_ENDED) {
      if (s) this.end(s, out);
    } else if (EVENT_POINT_TYPES.has(e.type)) {
      // The frame's own point (fuller: state, score, velocity) when it is at hand; an event point never overwrites it.
      if (s?.held && s.held.update.sequence === e.sequence) {
        out.push(heldDoc(s.held));
        s.held = undefined;
      } else if (!(s && s.lastIndexedSequence === e.sequence)) {
        out.push(eventPointDoc(e, s?.streamEpoch ?? ''));
      }
    }
    this.options.metrics.pathPoints.inc({ outcome: 'indexed' }, out.length);
    return out;
  }

  private end(s: PathState, out: DocDraft[]): void {
    if (s.held) out.push(heldDoc(s.held));
    this.tracks.delete(s);
  }
}

function heldDoc(held: NonNullable<PathState['held']>): DocDraft {
  return trackPointDoc(held.update, held.track, held.tsMs);
}

/**
 * A path point at a zone or line event, from the event itself (same id as the frame's own point).
 * Written as external version 1: it never replaces the frame's own point, which is written
 * unversioned (Elasticsearch's internal version is already 1 or more), while the frame's own point
 * arriving later replaces it.
 */
export function eventPointDoc(e: TrackEvent, streamEpoch: string): DocDraft {
  const tsMs = eventTime(e.tsMs);
  return {
    id: `${e.cameraId}:${streamEpoch}:${e.sequence}:${e.trackId}`,
    tsMs,
    version: { value: 1, type: 'external' },
    doc: compact({
      '@timestamp': tsMs,
      camera_id: e.cameraId,
      stream_epoch: streamEpoch,
      sequence: e.sequence,
      track_id: e.trackId,
      class_id: e.classId,
      class_name: e.className,
      box: boxDoc(e.box),
      first_seen_ts: e.firstSeenTsMs > 0 ? e.firstSeenTsMs : undefined,
    }),
  };
}
