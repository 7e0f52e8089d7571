import type { DetectionSource } from './detection-source.js';

/**
 * THE SLOT FOR REAL DETECTIONS: yolox_nano run through the inference service's own code on the
 * sequence's video. The inference service (issue 4) is being written in parallel and will offer an
 * offline function that yields DetectionBatch messages for a video file. To wire it after the
 * merge, replace the body of `frames` with a call to that function for `sequence.video`, using
 * `sequence.name` as the camera id, and yield its batches unchanged. The benchmark needs
 * `batch.sequence` to be the video frame index n (ground-truth frame n + 1, see ../shared/README.md)
 * and boxes in source pixels; embeddings, if the inference code computes them (osnet), make the
 * "bytetrack+appearance" ablation use real appearance instead of being skipped.
 *
 * Until then this source refuses to run rather than pretend: the figures in BENCHMARKS.md say
 * which source produced them.
 */
export function yoloxSource(): DetectionSource {
  return {
    name: 'yolox',
    description: 'yolox_nano through the inference service code (not wired yet)',
    // eslint-disable-next-line require-yield
    frames: async function* () {
      throw new Error(
        'the yolox detection source is not wired yet: it needs the inference service\'s offline detector (issue 4). ' +
          'Wire it in bench/tracking/yolox-source.ts; until then run with --source gt-degraded.',
      );
    },
  };
}
