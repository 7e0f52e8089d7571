import type { DetectionBatchF32 } from '../messages/detection-batch-reader.js';
import { boxDoc, compact, eventTime, finite, modelDoc, type DocDraft } from './fields.js';

/**
 * One document per frame: every detection's class, score and box (embeddings go to the track
 * summaries). Frames the detection schedule skipped are indexed too, marked, so every published
 * batch has its document.
 */
export function detectionBatchDoc(b: DetectionBatchF32): DocDraft {
  const tsMs = eventTime(b.captureTsMs, b.detectedTsMs);
  return {
    id: `${b.cameraId}:${b.streamEpoch}:${b.sequence}`,
    tsMs,
    doc: compact({
      '@timestamp': tsMs,
      camera_id: b.cameraId,
      stream_epoch: b.streamEpoch,
      sequence: b.sequence,
      detected_ts: b.detectedTsMs > 0 ? b.detectedTsMs : undefined,
      frame_width: b.frameWidth,
      frame_height: b.frameHeight,
      detector: modelDoc(b.detector),
      embedder: modelDoc(b.embedder),
      inference_ms: finite(b.inferenceMs),
      // Only when true: the detector did not look at this frame, so `count: 0` means nothing.
      skipped: b.skipped ? true : undefined,
      count: b.detections.length,
      class_names: [...new Set(b.detections.map((d) => d.className).filter((n) => n.length > 0))],
      detections: b.detections.map((d) =>
        compact({
          class_id: d.classId,
          class_name: d.className,
          score: finite(d.score),
          box: boxDoc(d.box),
          has_embedding: d.embedding.length > 0,
        }),
      ),
      frame_stats: b.frameStats
        ? compact({
            mean_luma: finite(b.frameStats.meanLuma),
            luma_stddev: finite(b.frameStats.lumaStddev),
            thumb_hash: String(b.frameStats.thumbHash),
          })
        : undefined,
    }),
  };
}
