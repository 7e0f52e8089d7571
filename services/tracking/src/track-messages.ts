import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { BBox } from '@va/proto/va/common/v1/geometry';
import {
  TrackEvent,
  TrackEventType,
  TrackState,
  type Track as TrackMessage,
  type TrackUpdate,
} from '@va/proto/va/common/v1/track';
import { formatTrackId, trackEventId } from './track-ids.js';
import type { Box } from './tracker/box.js';
import type { TrackerStep } from './tracker/byte-tracker.js';
import type { Track } from './tracker/track.js';
import type { ZoneHit, ZoneMonitor } from './zones/zone-monitor.js';

/**
 * What an ENDED event says about a track: the same whether the track is live in this instance's
 * tracker or read back from the previous owner's last TrackUpdate.
 */
interface EndedTrack {
  trackId: string;
  classId: number;
  className: string;
  box: BBox | undefined;
  firstSeenMs: number;
  lastSeenMs: number;
  pathLength: number;
}

/** The one ENDED builder. */
function endedEvent(camera: string, t: EndedTrack, seq: number, ts: number, reason: string): TrackEvent {
  return TrackEvent.fromPartial({
    eventId: trackEventId(camera, t.trackId, EVENT_NAMES[TrackEventType.TRACK_EVENT_TYPE_ENDED], seq),
    cameraId: camera,
    trackId: t.trackId,
    type: TrackEventType.TRACK_EVENT_TYPE_ENDED,
    sequence: seq,
    tsMs: ts,
    classId: t.classId,
    className: t.className,
    box: t.box,
    durationMs: t.lastSeenMs - t.firstSeenMs,
    pathLengthPx: t.pathLength,
    firstSeenTsMs: t.firstSeenMs,
    reason,
  });
}

/**
 * ENDED events (reason "handover") for the tracks of the previous owner's last TrackUpdate, at
 * that update's sequence: identical to the events the previous owner published at a graceful
 * hand-over, so they are stored once.
 */
export function handoverEndedEvents(camera: string, previous: TrackUpdate): TrackEvent[] {
  return previous.tracks.map((t) =>
    endedEvent(
      camera,
      {
        trackId: t.trackId,
        classId: t.classId,
        className: t.className,
        box: t.box,
        firstSeenMs: t.firstSeenTsMs,
        lastSeenMs: t.lastSeenTsMs,
        pathLength: t.pathLengthPx,
      },
      previous.sequence,
      previous.captureTsMs,
      'handover',
    ),
  );
}

/** The messages of one tracker session of one camera: track ids carry the session's tag. */
export class SessionMessages {
  constructor(
    readonly camera: string,
    private readonly session: string,
  ) {}

  trackId(t: Track): string {
    return formatTrackId(this.session, t.id);
  }

  /** STARTED, zone and line, LOST and ENDED events of one tracker step, in that order. */
  frameEvents(step: TrackerStep, seq: number, ts: number, zones: ZoneMonitor): TrackEvent[] {
    const events: TrackEvent[] = [];
    for (const t of step.started) events.push(this.event(t, TrackEventType.TRACK_EVENT_TYPE_STARTED, seq, ts));
    const observed = step.tracks
      .filter((t) => t.everConfirmed && t.status === 'confirmed' && t.detectionIndex >= 0)
      .map((t) => ({ key: this.trackId(t), className: t.className, box: t.box, track: t }));
    const byKey = new Map(observed.map((o) => [o.key, o.track]));
    for (const hit of zones.observe(observed))
      events.push(this.zoneEvent(hit, byKey.get(hit.trackKey) as Track, seq, ts));
    for (const t of step.lost) events.push(this.event(t, TrackEventType.TRACK_EVENT_TYPE_LOST, seq, ts));
    for (const t of step.ended) events.push(...this.endEvents(t, seq, ts, t.endReason ?? 'expired', zones));
    return events;
  }

  /** The zone exits a track's end implies (reason "track_ended"), then its ENDED event. */
  endEvents(t: Track, seq: number, ts: number, reason: string, zones: ZoneMonitor): TrackEvent[] {
    const events = zones
      .end(this.trackId(t), t.box)
      .map((hit) => ({ ...this.zoneEvent(hit, t, seq, ts), reason: 'track_ended' }));
    const ended = {
      trackId: this.trackId(t),
      classId: t.classId,
      className: t.className,
      box: t.box,
      firstSeenMs: t.firstSeenMs,
      lastSeenMs: t.lastSeenMs,
      pathLength: t.pathLength,
    };
    events.push(endedEvent(this.camera, ended, seq, ts, reason));
    return events;
  }

  /** The TrackUpdate of a processed frame: the confirmed and lost tracks that were ever confirmed. */
  update(batch: DetectionBatch, step: TrackerStep): TrackUpdate {
    return {
      cameraId: this.camera,
      sequence: batch.sequence,
      captureTsMs: batch.captureTsMs,
      frameWidth: batch.frameWidth,
      frameHeight: batch.frameHeight,
      tracks: step.tracks
        .filter((t) => t.everConfirmed && (t.status === 'confirmed' || t.status === 'lost'))
        .map((t) => this.trackMessage(t)),
      detectedTsMs: batch.detectedTsMs,
      trackedTsMs: 0,
      streamEpoch: batch.streamEpoch,
      predicted: batch.skipped,
    };
  }

  private zoneEvent(hit: ZoneHit, t: Track, seq: number, ts: number): TrackEvent {
    if (hit.kind === 'cross') {
      return {
        ...this.event(t, TrackEventType.TRACK_EVENT_TYPE_LINE_CROSS, seq, ts, hit.lineId, hit.box),
        lineId: hit.lineId,
        direction: hit.direction,
      };
    }
    const type =
      hit.kind === 'enter' ? TrackEventType.TRACK_EVENT_TYPE_ZONE_ENTER : TrackEventType.TRACK_EVENT_TYPE_ZONE_EXIT;
    return { ...this.event(t, type, seq, ts, hit.zoneId, hit.box), zoneId: hit.zoneId };
  }

  private event(t: Track, type: TrackEventType, seq: number, ts: number, subject = '', box: Box = t.box): TrackEvent {
    const trackId = this.trackId(t);
    return TrackEvent.fromPartial({
      eventId: trackEventId(this.camera, trackId, EVENT_NAMES[type], seq, subject),
      cameraId: this.camera,
      trackId,
      type,
      sequence: seq,
      tsMs: ts,
      classId: t.classId,
      className: t.className,
      box,
      firstSeenTsMs: t.firstSeenMs,
    });
  }

  private trackMessage(t: Track): TrackMessage {
    const { vx, vy } = t.velocity;
    return {
      trackId: this.trackId(t),
      state: t.status === 'lost' ? TrackState.TRACK_STATE_LOST : TrackState.TRACK_STATE_CONFIRMED,
      box: t.box,
      score: t.score,
      classId: t.classId,
      className: t.className,
      age: t.age,
      hits: t.hits,
      framesSinceUpdate: t.framesSinceUpdate,
      detectionIndex: t.detectionIndex,
      vx,
      vy,
      firstSeenTsMs: t.firstSeenMs,
      lastSeenTsMs: t.lastSeenMs,
      pathLengthPx: t.pathLength,
    };
  }
}

const EVENT_NAMES: Record<TrackEventType, string> = {
  [TrackEventType.TRACK_EVENT_TYPE_UNSPECIFIED]: 'unspecified',
  [TrackEventType.TRACK_EVENT_TYPE_STARTED]: 'started',
  [TrackEventType.TRACK_EVENT_TYPE_LOST]: 'lost',
  [TrackEventType.TRACK_EVENT_TYPE_ENDED]: 'ended',
  [TrackEventType.TRACK_EVENT_TYPE_ZONE_ENTER]: 'zone_enter',
  [TrackEventType.TRACK_EVENT_TYPE_ZONE_EXIT]: 'zone_exit',
  [TrackEventType.TRACK_EVENT_TYPE_LINE_CROSS]: 'line_cross',
  [TrackEventType.UNRECOGNIZED]: 'unrecognized',
};
