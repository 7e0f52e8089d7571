import { trackStateToJSON, type Track, type TrackUpdate } from '@va/proto/va/common/v1/track';
import type { TrackPoint } from '@va/proto/va/search/v1/search';
import { boxDoc, boxFromDoc, compact, enumName, eventTime, finite, type DocDraft } from './fields.js';

/**
 * One document per track per frame: the track's path, which GetTrack pages through. Points of
 * predicted frames are kept (the path stays one point per frame) and marked `predicted`.
 */
export function trackPointDocs(u: TrackUpdate): DocDraft[] {
  const tsMs = updateTime(u);
  return u.tracks.map((t) => trackPointDoc(u, t, tsMs));
}

/** The event time of a TrackUpdate: capture, falling back to later stamps. */
export function updateTime(u: TrackUpdate): number {
  return eventTime(u.captureTsMs, u.detectedTsMs, u.trackedTsMs);
}

/** One track's point in one update (`tsMs`: the update's event time). */
export function trackPointDoc(u: TrackUpdate, t: Track, tsMs: number): DocDraft {
  return {
    id: `${u.cameraId}:${u.streamEpoch}:${u.sequence}:${t.trackId}`,
    tsMs,
    doc: compact({
      '@timestamp': tsMs,
      camera_id: u.cameraId,
      stream_epoch: u.streamEpoch,
      sequence: u.sequence,
      track_id: t.trackId,
      state: enumName(trackStateToJSON(t.state), 'TRACK_STATE_'),
      class_id: t.classId,
      class_name: t.className,
      score: finite(t.score),
      box: boxDoc(t.box),
      vx: finite(t.vx),
      vy: finite(t.vy),
      age: t.age,
      hits: t.hits,
      frames_since_update: t.framesSinceUpdate,
      detection_index: t.detectionIndex,
      path_length_px: finite(t.pathLengthPx),
      first_seen_ts: t.firstSeenTsMs > 0 ? t.firstSeenTsMs : undefined,
      last_seen_ts: t.lastSeenTsMs > 0 ? t.lastSeenTsMs : undefined,
      tracked_ts: u.trackedTsMs > 0 ? u.trackedTsMs : undefined,
      // Only when true: the box is the tracker's prediction on a frame the detector skipped.
      predicted: u.predicted ? true : undefined,
    }),
  };
}

export function trackPointFromDoc(doc: Record<string, unknown>): TrackPoint {
  return {
    sequence: Number(doc.sequence ?? 0),
    tsMs: Number(doc['@timestamp'] ?? 0),
    box: boxFromDoc(doc.box),
    score: Number(doc.score ?? 0),
  };
}
