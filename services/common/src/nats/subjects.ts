import { InvalidArgumentError } from '../errors.js';

/** Camera ids become one NATS subject token: letters, digits, '_' and '-', up to 64. */
export const CAMERA_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isCameraId(value: string): boolean {
  return CAMERA_ID_PATTERN.test(value);
}

export function assertCameraId(value: string, field = 'camera_id'): string {
  if (!isCameraId(value)) {
    throw new InvalidArgumentError(`${field} "${value}" must match ${CAMERA_ID_PATTERN.source}`, field);
  }
  return value;
}

/** The data plane, in pipeline order. Each stage publishes on <prefix>.<camera_id>. */
export const STAGES = {
  frames: 'va.frames',
  detections: 'va.detections',
  tracks: 'va.tracks',
  trackEvents: 'va.track-events',
  flags: 'va.flags',
  reviews: 'va.reviews',
} as const;
export type Stage = keyof typeof STAGES;

/** A camera id, or '*' for every camera. */
export type CameraSelector = string;

function forCamera(stage: Stage, camera: CameraSelector): string {
  if (camera !== '*') assertCameraId(camera);
  return `${STAGES[stage]}.${camera}`;
}

/**
 * The one place subjects are built. `subjects.frames('cam-1')` is 'va.frames.cam-1';
 * `subjects.frames('*')` subscribes to every camera.
 */
export const subjects = {
  frames: (camera: CameraSelector) => forCamera('frames', camera),
  detections: (camera: CameraSelector) => forCamera('detections', camera),
  tracks: (camera: CameraSelector) => forCamera('tracks', camera),
  trackEvents: (camera: CameraSelector) => forCamera('trackEvents', camera),
  flags: (camera: CameraSelector) => forCamera('flags', camera),
  reviews: (camera: CameraSelector) => forCamera('reviews', camera),
  /** Request/reply: one published frame of a camera as JPEG, answered by ingest from its frame ring (evidence-frame.ts). */
  evidenceFrame: (camera: CameraSelector) => `va.evidence-frame.${camera === '*' ? '*' : assertCameraId(camera)}`,
  /** Messages that could not be processed, with the reason in headers: va.deadletter.<kind>.<camera>. */
  deadLetter: (kind: string, camera: CameraSelector) => {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(kind))
      throw new InvalidArgumentError(`dead-letter kind "${kind}" is not a subject token`);
    return `va.deadletter.${kind}.${camera === '*' ? '*' : assertCameraId(camera)}`;
  },
  /** The camera id in a stage subject, or undefined when the subject is not one of ours. */
  cameraOf(subject: string): string | undefined {
    const camera = subject.slice(subject.lastIndexOf('.') + 1);
    return isCameraId(camera) ? camera : undefined;
  },
  /** The stage of a subject ('detections' for 'va.detections.cam-1'). */
  stageOf(subject: string): Stage | undefined {
    const prefix = subject.slice(0, subject.lastIndexOf('.'));
    return (Object.keys(STAGES) as Stage[]).find((s) => STAGES[s] === prefix);
  },
};
