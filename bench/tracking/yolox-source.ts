import { resolve } from 'node:path';
import { detectVideoCached } from '@va/batching-inference/offline';
import type { DetectionSource } from './detection-source.js';

/**
 * Real detections: yolox_nano run through the inference service's own code (its offline API:
 * the same model repository, preprocessing, dynamic-batch session, decoder and NMS as the
 * service, batched 8 frames per run) on the sequence's video, with OSNet x0.25 embeddings for
 * the people, so the "bytetrack+appearance" ablation uses real appearance. Batches carry
 * `sequence` = video frame index (ground-truth frame - 1) and boxes in source pixels, as the
 * service publishes them. The result is cached under .cache/detections (keyed by video, models
 * and options), so only the first run pays for inference.
 */
export function yoloxSource(): DetectionSource {
  return {
    name: 'yolox',
    description:
      'yolox_nano through the inference service code (offline API, score >= 0.1), OSNet x0.25 embeddings on persons',
    frames: async function* (sequence) {
      if (!sequence.video) throw new Error(`sequence ${sequence.name} has no video to run the detector on`);
      const { batches } = await detectVideoCached({
        video: sequence.video,
        cameraId: sequence.name,
        // The MOT15 folder is <shared>/data/mot15/<name>.
        sharedDir: resolve(sequence.dir, '..', '..', '..'),
        embedder: 'osnet_x0_25_msmt17',
      });
      yield* batches;
    },
  };
}
