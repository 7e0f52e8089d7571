import type { BBox } from '@va/proto/va/common/v1/geometry';
import type { Severity } from '@va/proto/va/common/v1/flag';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { TrackUpdate } from '@va/proto/va/common/v1/track';

/** Every rule the service knows, by the name flags carry in `rule`. */
export const RULE_NAMES = [
  'track-without-detection',
  'unexplained-detection',
  'class-flip',
  'impossible-motion',
  'invalid-box',
  'frame-freeze',
  'dark-or-blank-frame',
  'camera-fault',
  'low-confidence-spike',
  'drift',
  'latency-slo',
] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/** What a rule saw in one message; the registry adds the severity and the flag folder the id. */
export interface Finding {
  rule: RuleName;
  /** What the finding is about within the rule (track id, "dark", "confidence"...): repeats fold on it. */
  subject: string;
  cameraId: string;
  streamEpoch: string;
  sequence: number;
  /** Capture time of the frame the finding is about. */
  tsMs: number;
  trackId: string;
  message: string;
  /** Named numbers the rule used: the measured value and the threshold it crossed, at least. */
  evidence: Record<string, number>;
  boxes: BBox[];
  scores: number[];
  classNames: string[];
  frameWidth: number;
  frameHeight: number;
  /** The rule's kind of fault degrades rather than blinds: one severity step below the rule's. */
  milder?: boolean;
}

export interface CandidateFlag extends Finding {
  severity: Severity;
}

/** A value a rule computes whether or not it fires (drift statistic, latency quantile), for metrics. */
export interface Measurement {
  name: 'drift_psi' | 'capture_to_tracks_quantile_ms';
  labels: Record<string, string>;
  value: number;
}

/**
 * One rule's state for one camera. Rules are pure: they see messages in sequence order
 * (the registry guarantees it), keep whatever state they need, and return findings. They
 * never touch the bus, the clock or the disk, so each is unit-tested with plain data.
 */
export interface SanityRule {
  /**
   * True for rules that judge frames the detector skipped (DetectionBatch.skipped, TrackUpdate.predicted):
   * frame statistics, latency, or rules that count such frames themselves. The others never see
   * them: an empty skipped batch is no evidence that nothing is there, a predicted box no observation.
   */
  readonly judgesUndetectedFrames?: boolean;
  /** Detections of one frame, with the frame statistics ingest passed through. */
  onDetections?(batch: DetectionBatch): Finding[];
  /** The tracker's view of one frame, and the detections of that frame when still known. */
  onTracks?(update: TrackUpdate, detections: DetectionBatch | undefined): Finding[];
  /**
   * For rules about the camera's picture: the fault seen in the latest frame, suspected or already
   * flagged (undefined when the picture looks fine). The registry lets the root cause speak alone.
   */
  pictureFault?(): string | undefined;
  /** Latest values worth a gauge, read after each message. */
  measurements?(): Measurement[];
}

/** The fields every finding about one frame shares, taken from the message that showed it. */
export function frameFields(
  msg: DetectionBatch | TrackUpdate,
): Pick<Finding, 'cameraId' | 'streamEpoch' | 'sequence' | 'tsMs' | 'frameWidth' | 'frameHeight'> {
  return {
    cameraId: msg.cameraId,
    streamEpoch: msg.streamEpoch,
    sequence: msg.sequence,
    tsMs: msg.captureTsMs,
    frameWidth: msg.frameWidth,
    frameHeight: msg.frameHeight,
  };
}

/** A finding with no boxes, about the camera as a whole. */
export function cameraFinding(
  msg: DetectionBatch | TrackUpdate,
  rule: RuleName,
  subject: string,
  message: string,
  evidence: Record<string, number>,
): Finding {
  return { ...frameFields(msg), rule, subject, trackId: '', message, evidence, boxes: [], scores: [], classNames: [] };
}
