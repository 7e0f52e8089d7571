import type { Box } from './box.js';
import type { BoxLimits } from './tracker-params.js';

/** A detection as it arrives (the protobuf Detection fits): anything may be missing or absurd. */
export interface RawDetection {
  box?: Box | undefined;
  score: number;
  classId: number;
  className: string;
  embedding?: ArrayLike<number> | undefined;
}

/** A detection the tracker may use, with its index in the frame's original list. */
export interface ValidDetection {
  index: number;
  box: Box;
  score: number;
  classId: number;
  className: string;
  /** L2-normalised; undefined when none came or it was unusable. */
  embedding: Float32Array | undefined;
}

export const REJECT_REASONS = [
  'missing_box',
  'not_finite',
  'inverted',
  'too_small',
  'bad_aspect',
  'out_of_frame',
  'bad_score',
  'over_limit',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface ValidationResult {
  valid: ValidDetection[];
  rejected: Partial<Record<RejectReason, number>>;
  /** Embeddings that were not finite or had no length; their boxes were kept. */
  droppedEmbeddings: number;
}

/** Coordinates beyond this many pixels are absurd whatever the frame size. */
const ABSOLUTE_LIMIT = 1e5;

/**
 * Keeps the detections whose boxes a tracker can trust and counts the others by reason: NaN or
 * infinite numbers, x2 <= x1 or y2 <= y1, sides under minSide, extreme aspect ratios, boxes
 * reaching far outside the frame (or not touching it), scores outside 0..1. When the frame size
 * is unknown (0), only the frame-independent checks apply. Beyond maxDetections, the lowest
 * scores are rejected so the cost matrices stay bounded.
 */
export function validateDetections(
  raw: readonly RawDetection[],
  frameWidth: number,
  frameHeight: number,
  limits: BoxLimits,
): ValidationResult {
  const valid: ValidDetection[] = [];
  const rejected: Partial<Record<RejectReason, number>> = {};
  let droppedEmbeddings = 0;
  const reject = (reason: RejectReason) => (rejected[reason] = (rejected[reason] ?? 0) + 1);
  const knownFrame = frameWidth > 0 && frameHeight > 0;
  const mx = frameWidth * limits.frameMargin;
  const my = frameHeight * limits.frameMargin;

  for (let index = 0; index < raw.length; index++) {
    const d = raw[index] as RawDetection;
    const b = d.box;
    if (!b) {
      reject('missing_box');
      continue;
    }
    const { x1, y1, x2, y2 } = b;
    if (!Number.isFinite(x1) || !Number.isFinite(y1) || !Number.isFinite(x2) || !Number.isFinite(y2)) {
      reject('not_finite');
      continue;
    }
    if (!(Number.isFinite(d.score) && d.score >= 0 && d.score <= 1)) {
      reject('bad_score');
      continue;
    }
    const w = x2 - x1;
    const h = y2 - y1;
    if (w <= 0 || h <= 0) {
      reject('inverted');
      continue;
    }
    if (w < limits.minSide || h < limits.minSide) {
      reject('too_small');
      continue;
    }
    if (w / h > limits.maxAspect || h / w > limits.maxAspect) {
      reject('bad_aspect');
      continue;
    }
    const outside = knownFrame
      ? x1 < -mx ||
        y1 < -my ||
        x2 > frameWidth + mx ||
        y2 > frameHeight + my ||
        x2 <= 0 ||
        y2 <= 0 ||
        x1 >= frameWidth ||
        y1 >= frameHeight
      : Math.abs(x1) > ABSOLUTE_LIMIT ||
        Math.abs(y1) > ABSOLUTE_LIMIT ||
        Math.abs(x2) > ABSOLUTE_LIMIT ||
        Math.abs(y2) > ABSOLUTE_LIMIT;
    if (outside) {
      reject('out_of_frame');
      continue;
    }
    let embedding: Float32Array | undefined;
    if (d.embedding && d.embedding.length > 0) {
      embedding = normalised(d.embedding);
      if (!embedding) droppedEmbeddings++;
    }
    valid.push({
      index,
      box: { x1, y1, x2, y2 },
      score: d.score,
      classId: d.classId,
      className: d.className,
      embedding,
    });
  }

  if (valid.length > limits.maxDetections) {
    valid.sort((a, b) => b.score - a.score || a.index - b.index);
    const over = valid.length - limits.maxDetections;
    valid.length = limits.maxDetections;
    valid.sort((a, b) => a.index - b.index);
    rejected.over_limit = over;
  }
  return { valid, rejected, droppedEmbeddings };
}

/** A unit-length copy, or undefined when the vector is not finite or is zero. */
export function normalised(v: ArrayLike<number>): Float32Array | undefined {
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (!Number.isFinite(x)) return undefined;
    sum += x * x;
  }
  if (!(sum > 0)) return undefined;
  const inv = 1 / Math.sqrt(sum);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) * inv;
  return out;
}
