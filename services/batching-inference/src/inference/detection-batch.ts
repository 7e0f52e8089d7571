import type { Detection, DetectionBatch, ModelRef } from '@va/proto/va/common/v1/detection';
import type { FrameStats } from '@va/proto/va/common/v1/frame';

/** What a DetectionBatch passes through from its frame. */
export interface FrameMeta {
  cameraId: string;
  sequence: number;
  captureTsMs: number;
  sourceWidth: number;
  sourceHeight: number;
  streamEpoch: string;
  stats?: FrameStats;
  /** Sequences of the camera shed upstream since its previous batch (shed-ledger). */
  shedSequences?: number[];
}

/** What every DetectionBatch says about its frame, detected or not. */
function frameFields(meta: FrameMeta) {
  return {
    cameraId: meta.cameraId,
    sequence: meta.sequence,
    captureTsMs: meta.captureTsMs,
    frameWidth: meta.sourceWidth,
    frameHeight: meta.sourceHeight,
    frameStats: meta.stats,
    streamEpoch: meta.streamEpoch,
    shedSequences: meta.shedSequences ?? [],
  };
}

/** One frame's detections as published on va.detections.<camera>. */
export function detectionBatch(
  meta: FrameMeta,
  detections: Detection[],
  detector: ModelRef,
  embedder: ModelRef | undefined,
  inferenceMs: number,
  detectedTsMs: number,
): DetectionBatch {
  return {
    ...frameFields(meta),
    detections,
    detector,
    ...(embedder ? { embedder } : {}),
    detectedTsMs,
    inferenceMs,
    skipped: false,
  };
}

/**
 * A frame the stream's detection schedule leaves to the tracker: no detections, no model, but
 * published all the same so tracking still sees every frame in order (and predicts it).
 */
export function skippedBatch(meta: FrameMeta, detectedTsMs: number): DetectionBatch {
  return { ...frameFields(meta), detections: [], detector: undefined, detectedTsMs, inferenceMs: 0, skipped: true };
}

/** The JetStream message id: a redelivered or retried frame de-duplicates. */
export function detectionMsgId(meta: Pick<FrameMeta, 'cameraId' | 'streamEpoch' | 'sequence'>): string {
  return `${meta.cameraId}:${meta.streamEpoch}:${meta.sequence}`;
}
