import {
  TrackEventType,
  trackEventTypeFromJSON,
  trackEventTypeToJSON,
  type TrackEvent,
} from '@va/proto/va/common/v1/track';
import { boxDoc, boxFromDoc, compact, enumName, eventTime, finite, type DocDraft } from './fields.js';

const PREFIX = 'TRACK_EVENT_TYPE_';

/** The stored name of an event type ('started', 'line_cross', ...). */
export function eventTypeName(type: TrackEventType): string {
  return enumName(trackEventTypeToJSON(type), PREFIX);
}

export function trackEventDoc(e: TrackEvent): DocDraft {
  const tsMs = eventTime(e.tsMs);
  return {
    id: e.eventId,
    tsMs,
    doc: compact({
      '@timestamp': tsMs,
      camera_id: e.cameraId,
      event_id: e.eventId,
      track_id: e.trackId,
      type: eventTypeName(e.type),
      sequence: e.sequence,
      class_id: e.classId,
      class_name: e.className,
      box: boxDoc(e.box),
      duration_ms: e.durationMs || undefined,
      path_length_px: finite(e.pathLengthPx) || undefined,
      zone_id: e.zoneId || undefined,
      line_id: e.lineId || undefined,
      direction: e.direction || undefined,
      reason: e.reason || undefined,
      first_seen_ts: e.firstSeenTsMs > 0 ? e.firstSeenTsMs : undefined,
    }),
  };
}

export function trackEventFromDoc(doc: Record<string, unknown>): TrackEvent {
  const type = trackEventTypeFromJSON(`${PREFIX}${String(doc.type ?? '').toUpperCase()}`);
  return {
    eventId: String(doc.event_id ?? ''),
    cameraId: String(doc.camera_id ?? ''),
    trackId: String(doc.track_id ?? ''),
    type: type === TrackEventType.UNRECOGNIZED ? TrackEventType.TRACK_EVENT_TYPE_UNSPECIFIED : type,
    sequence: Number(doc.sequence ?? 0),
    tsMs: Number(doc['@timestamp'] ?? 0),
    classId: Number(doc.class_id ?? 0),
    className: String(doc.class_name ?? ''),
    box: boxFromDoc(doc.box),
    durationMs: Number(doc.duration_ms ?? 0),
    pathLengthPx: Number(doc.path_length_px ?? 0),
    zoneId: String(doc.zone_id ?? ''),
    lineId: String(doc.line_id ?? ''),
    direction: String(doc.direction ?? ''),
    reason: String(doc.reason ?? ''),
    firstSeenTsMs: Number(doc.first_seen_ts ?? 0),
  };
}
