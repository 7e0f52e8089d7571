import { DetectionBatch, type Detection } from '@va/proto/va/common/v1/detection';
import { FrameStats } from '@va/proto/va/common/v1/frame';
import { TrackState, TrackUpdate, type Track } from '@va/proto/va/common/v1/track';

/** Builders for unit tests: small, complete messages with readable defaults (10 fps, 640x480). */

export const T0 = 1_700_000_000_000;
export const FRAME_MS = 100;

type Box = [number, number, number, number];

export function det(box: Box, score = 0.9, className = 'person', classId = 0): Detection {
  return { box: { x1: box[0], y1: box[1], x2: box[2], y2: box[3] }, score, classId, className, embedding: [] };
}

export interface FrameOptions {
  camera?: string;
  epoch?: string;
  tsMs?: number;
  width?: number;
  height?: number;
  stats?: FrameStats;
}

/** The fields a detection batch and a track update of the same frame share. */
function header(sequence: number, o: FrameOptions) {
  const captureTsMs = o.tsMs ?? T0 + sequence * FRAME_MS;
  return {
    cameraId: o.camera ?? 'cam-1',
    sequence,
    captureTsMs,
    frameWidth: o.width ?? 640,
    frameHeight: o.height ?? 480,
    detectedTsMs: captureTsMs + 50,
    streamEpoch: o.epoch ?? 'e1',
  };
}

export function batch(sequence: number, detections: Detection[], o: FrameOptions = {}): DetectionBatch {
  return DetectionBatch.fromPartial({ ...header(sequence, o), detections, frameStats: o.stats });
}

export interface TrackOptions {
  state?: TrackState;
  score?: number;
  detectionIndex?: number;
  className?: string;
  classId?: number;
  framesSinceUpdate?: number;
}

export function track(trackId: string, box: Box, o: TrackOptions = {}): Track {
  const matched = (o.detectionIndex ?? 0) >= 0;
  return {
    pathLengthPx: 0,
    trackId,
    state: o.state ?? TrackState.TRACK_STATE_CONFIRMED,
    box: { x1: box[0], y1: box[1], x2: box[2], y2: box[3] },
    score: o.score ?? (matched ? 0.9 : 0),
    classId: o.classId ?? 0,
    className: o.className ?? 'person',
    age: 10,
    hits: 10,
    framesSinceUpdate: o.framesSinceUpdate ?? 0,
    detectionIndex: o.detectionIndex ?? 0,
    vx: 0,
    vy: 0,
    firstSeenTsMs: T0,
    lastSeenTsMs: T0,
  };
}

export function update(
  sequence: number,
  tracks: Track[],
  o: FrameOptions & { trackedLatencyMs?: number } = {},
): TrackUpdate {
  const h = header(sequence, o);
  return TrackUpdate.fromPartial({ ...h, tracks, trackedTsMs: h.captureTsMs + (o.trackedLatencyMs ?? 60) });
}

export function stats(thumbHash: number, meanLuma = 120, lumaStddev = 50): FrameStats {
  return FrameStats.fromPartial({ thumbHash, meanLuma, lumaStddev });
}
