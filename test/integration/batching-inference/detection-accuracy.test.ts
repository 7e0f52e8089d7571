import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { decodeImage, detectVideo, OfflineDetector } from '@va/batching-inference/offline';
import { readMotGroundTruth, scoreDetections, type GtBox } from '@va/harness/detection-score';
import { sharedDir, sharedFile } from '@va/harness/shared';

// Floors measured with yolox_nano on this data (see services/batching-inference/README.md), with a
// margin for other CPUs' float rounding. Measured: video every 10th frame recall 0.887, precision
// 0.753; the four JPEGs recall 0.95 (19/20), precision 0.79; all 300 video frames 0.893 / 0.756.
const MIN_SCORE = 0.3;
const FLOORS = { video: { recall: 0.8, precision: 0.65 }, jpeg: { recall: 0.85, precision: 0.65 } };

describe('person detections match PETS09-S2L1 ground truth (yolox_nano through the inference code)', () => {
  const sequence = 'data/mot15/PETS09-S2L1';
  let gt: GtBox[];
  before(() => {
    gt = readMotGroundTruth(sharedFile(sequence));
  });

  it('on the mp4 (every 10th frame, decoded by ffmpeg, batched 8 per run)', async (t) => {
    const batches: DetectionBatch[] = [];
    const video = sharedFile(`${sequence}/PETS09-S2L1_300frames_768x576_7fps.mp4`);
    for await (const b of detectVideo({ video, sharedDir: sharedDir(), frameStep: 10, cameraId: 'pets09' }))
      batches.push(b);
    assert.equal(batches.length, 30);
    assert.deepEqual(
      batches.slice(0, 3).map((b) => b.sequence),
      [0, 10, 20],
      'sequence is the source frame index',
    );
    for (const b of batches) {
      assert.equal(b.frameWidth, 768);
      assert.equal(b.frameHeight, 576);
      for (const d of b.detections) {
        const box = d.box as NonNullable<typeof d.box>;
        assert.ok(
          box.x1 >= 0 && box.y1 >= 0 && box.x2 <= 768 && box.y2 <= 576 && box.x2 > box.x1 && box.y2 > box.y1,
          'boxes are inside the source frame',
        );
      }
    }
    // Video frame n is ground-truth frame n + 1.
    const score = scoreDetections(batches, gt, {
      className: 'person',
      minScore: MIN_SCORE,
      iouThreshold: 0.5,
      gtFrameOf: (b) => b.sequence + 1,
    });
    t.diagnostic(
      `video: recall ${score.recall.toFixed(3)} precision ${score.precision.toFixed(3)} (${JSON.stringify(score)})`,
    );
    assert.ok(score.recall >= FLOORS.video.recall, `recall ${score.recall} below ${FLOORS.video.recall}`);
    assert.ok(
      score.precision >= FLOORS.video.precision,
      `precision ${score.precision} below ${FLOORS.video.precision}`,
    );
  });

  describe('on the original JPEGs (decoded by sharp)', () => {
    let detector: OfflineDetector;
    before(async () => {
      detector = await OfflineDetector.open({ sharedDir: sharedDir() });
    });
    after(() => detector.close());

    it('meets the floors, one batch of four', async (t) => {
      const frames = [];
      for (const n of [1, 100, 200, 300]) {
        const image = await decodeImage(
          readFileSync(join(sharedFile(`${sequence}/img1`), `${String(n).padStart(6, '0')}.jpg`)),
        );
        frames.push({ image, cameraId: 'pets09', sequence: n, captureTsMs: n });
      }
      const batches = await detector.detect(frames);
      const score = scoreDetections(batches, gt, {
        className: 'person',
        minScore: MIN_SCORE,
        iouThreshold: 0.5,
        gtFrameOf: (b) => b.sequence,
      });
      t.diagnostic(
        `jpeg: recall ${score.recall.toFixed(3)} precision ${score.precision.toFixed(3)} (${JSON.stringify(score)})`,
      );
      assert.ok(score.recall >= FLOORS.jpeg.recall, `recall ${score.recall} below ${FLOORS.jpeg.recall}`);
      assert.ok(
        score.precision >= FLOORS.jpeg.precision,
        `precision ${score.precision} below ${FLOORS.jpeg.precision}`,
      );

      // The same frames one at a time give the same detections: batching changes nothing.
      const single = await detector.detect([frames[2] as (typeof frames)[number]]);
      assert.deepEqual(single[0]?.detections, batches[2]?.detections);
    });
  });
});
