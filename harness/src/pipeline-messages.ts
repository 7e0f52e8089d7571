import {
  codecs,
  createLogger,
  jetStreamLimits,
  NatsConnectionHandle,
  subjects,
  type JetStreamLimits,
} from '@va/common';
import { DetectionBatch, type Detection } from '@va/proto/va/common/v1/detection';
import { Flag, ReviewDecision, ReviewStatus, Severity } from '@va/proto/va/common/v1/flag';
import { type Track, TrackEvent, TrackEventType, TrackState, TrackUpdate } from '@va/proto/va/common/v1/track';
import { natsConfigFor } from './nats-server.js';

const limits: JetStreamLimits = jetStreamLimits({
  maxAgeMs: 3600_000,
  maxBytes: 256 * 1024 * 1024,
  replicas: 1,
  duplicateWindowMs: 120_000,
});

/** A publisher standing in for the upstream services (inference, tracking, sanity-check) on a real NATS. */
export async function connectPublisher(url: string): Promise<NatsConnectionHandle> {
  return NatsConnectionHandle.connect(natsConfigFor(url, limits), {
    name: 'test-publisher',
    log: createLogger('test', 'silent'),
  });
}

export function detectionBatch(
  camera: string,
  sequence: number,
  tsMs: number,
  detections: Array<Partial<Detection>>,
  epoch = 'e1',
): DetectionBatch {
  return DetectionBatch.fromPartial({
    cameraId: camera,
    sequence,
    captureTsMs: tsMs,
    frameWidth: 768,
    frameHeight: 576,
    detections,
    detector: { name: 'yolox_nano', version: '1' },
    embedder: detections.some((d) => (d.embedding?.length ?? 0) > 0)
      ? { name: 'osnet_x0_25_msmt17', version: '1' }
      : undefined,
    detectedTsMs: tsMs + 20,
    inferenceMs: 12.5,
    streamEpoch: epoch,
  });
}

export function trackUpdate(
  camera: string,
  sequence: number,
  tsMs: number,
  tracks: Array<Partial<Track>>,
  epoch = 'e1',
): TrackUpdate {
  return TrackUpdate.fromPartial({
    cameraId: camera,
    sequence,
    captureTsMs: tsMs,
    frameWidth: 768,
    frameHeight: 576,
    tracks: tracks.map((t) => ({
      state: TrackState.TRACK_STATE_CONFIRMED,
      classId: 0,
      className: 'person',
      detectionIndex: -1,
      ...t,
    })),
    detectedTsMs: tsMs + 20,
    trackedTsMs: tsMs + 25,
    streamEpoch: epoch,
  });
}

export function trackEvent(
  camera: string,
  trackId: string,
  type: TrackEventType,
  tsMs: number,
  extra: Partial<TrackEvent> = {},
): TrackEvent {
  return TrackEvent.fromPartial({
    eventId: `${camera}:${trackId}:${TrackEventType[type]}:${tsMs}`,
    cameraId: camera,
    trackId,
    type,
    sequence: 1,
    tsMs,
    classId: 0,
    className: 'person',
    box: { x1: 10, y1: 20, x2: 40, y2: 100 },
    firstSeenTsMs: tsMs,
    ...extra,
  });
}

export function flag(camera: string, id: string, tsMs: number, extra: Partial<Flag> = {}): Flag {
  return Flag.fromPartial({
    flagId: id,
    rule: 'class-flip',
    severity: Severity.SEVERITY_ACT_TODAY,
    cameraId: camera,
    sequence: 7,
    trackId: 't1',
    tsMs,
    firstTsMs: tsMs,
    lastTsMs: tsMs,
    count: 1,
    message: 'track t1 changed class person -> car',
    evidence: { flips: 2, 'score.before': 0.81 },
    boxes: [
      { x1: 1, y1: 2, x2: 3, y2: 4 },
      { x1: 5, y1: 6, x2: 7, y2: 8 },
    ],
    scores: [0.81, 0.42],
    classNames: ['person', 'car'],
    frameWidth: 768,
    frameHeight: 576,
    subject: 't1',
    reviewStatus: ReviewStatus.REVIEW_STATUS_PENDING,
    ...extra,
  });
}

export function review(camera: string, flagId: string, tsMs: number): ReviewDecision {
  return ReviewDecision.fromPartial({
    reviewId: `review-${flagId}-1`,
    revision: 1,
    flagId,
    cameraId: camera,
    decision: ReviewStatus.REVIEW_STATUS_CONFIRMED,
    note: 'looks right',
    reviewer: 'operator:3f9a1c',
    tsMs,
  });
}

/** Publishes with the deterministic msgID the upstream services use, so retries de-duplicate. */
export const publish = {
  detections: (n: NatsConnectionHandle, b: DetectionBatch) =>
    n.js.publish(subjects.detections(b.cameraId), codecs.detectionBatch.encode(b), {
      msgID: `det:${b.cameraId}:${b.streamEpoch}:${b.sequence}`,
    }),
  tracks: (n: NatsConnectionHandle, u: TrackUpdate) =>
    n.js.publish(subjects.tracks(u.cameraId), codecs.trackUpdate.encode(u), {
      msgID: `trk:${u.cameraId}:${u.streamEpoch}:${u.sequence}`,
    }),
  event: (n: NatsConnectionHandle, e: TrackEvent) =>
    n.js.publish(subjects.trackEvents(e.cameraId), codecs.trackEvent.encode(e), { msgID: `evt:${e.eventId}` }),
  flag: (n: NatsConnectionHandle, f: Flag) =>
    n.js.publish(subjects.flags(f.cameraId), codecs.flag.encode(f), { msgID: `flag:${f.flagId}:${f.lastTsMs}` }),
  review: (n: NatsConnectionHandle, r: ReviewDecision) =>
    n.js.publish(subjects.reviews(r.cameraId), codecs.reviewDecision.encode(r), { msgID: `rev:${r.flagId}:${r.tsMs}` }),
};
