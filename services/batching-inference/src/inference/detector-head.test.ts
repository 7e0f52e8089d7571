import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_REPOSITORY_DIR } from '../repository/default-paths.js';
import { parseModelConfig } from '../repository/model-config.js';
import type { OutputTensor } from '../tensors/tensors.js';
import { DetectorHead } from './detector-head.js';

const config = parseModelConfig(
  JSON.parse(readFileSync(join(DEFAULT_REPOSITORY_DIR, 'yolox_nano', 'config.json'), 'utf8')),
  'yolox_nano',
);
const head = new DetectorHead('yolox_nano', config);
const ANCHORS = 3549;

/** A raw YOLOX output with one confident person at input pixels centre (cx, cy), size 16x16 (stride 8). */
function output(cx: number, cy: number): Record<string, OutputTensor> {
  const data = new Float32Array(ANCHORS * 85);
  const gx = Math.floor(cx / 8);
  const gy = Math.floor(cy / 8);
  const row = (gy * 52 + gx) * 85;
  data.set([cx / 8 - gx, cy / 8 - gy, Math.log(2), Math.log(2), 0.9, 0.95], row);
  return { output: { data, dims: [1, ANCHORS, 85] } };
}

const image = (width: number, height: number) => ({
  data: new Uint8Array(width * height * 3),
  width,
  height,
  order: 'RGB' as const,
});

describe('detector head: where pixels go and where boxes come back', () => {
  it('letterboxes a full frame top-left as YOLOX does and maps boxes back to the frame', () => {
    const job = head.job({ image: image(768, 576), sourceWidth: 768, sourceHeight: 576 });
    const [d] = job.read(output(104, 52), 0).detections;
    const k = 768 / 416;
    assert.equal(d?.className, 'person');
    for (const [got, want] of [
      [d?.box?.x1, 96 * k],
      [d?.box?.y1, 44 * k],
      [d?.box?.x2, 112 * k],
      [d?.box?.y2, 60 * k],
    ] as const)
      assert.ok(Math.abs((got as number) - want) < 1e-3);
  });

  it('takes a frame ingest already letterboxed to 416x416 as it is, and uses its letterbox to map back', () => {
    const letterbox = { scale: 416 / 768, padX: 0, padY: 52 };
    assert.equal(head.acceptsAsIs(image(416, 416), letterbox), true);
    assert.deepEqual(head.placement(image(416, 416), letterbox), { x: 0, y: 0, width: 416, height: 416 });
    const job = head.job({ image: image(416, 416), sourceWidth: 768, sourceHeight: 576, letterbox });
    const [d] = job.read(output(104, 52 + 52), 0).detections;
    const k = 768 / 416;
    assert.ok(Math.abs((d?.box?.x1 as number) - 96 * k) < 1e-3 && Math.abs((d?.box?.y1 as number) - 44 * k) < 1e-3);
  });

  it('a frame letterboxed for another input size is resized, the two letterboxes composed', () => {
    const letterbox = { scale: 640 / 768, padX: 0, padY: 80 };
    assert.equal(head.acceptsAsIs(image(640, 640), letterbox), false);
    const job = head.job({ image: image(640, 640), sourceWidth: 768, sourceHeight: 576, letterbox });
    // 640 -> 416: a source point (x, y) is at ((x * 640/768) * 0.65, (y * 640/768 + 80) * 0.65) in the input.
    const s = 416 / 640;
    const [d] = job.read(output(200, 200), 0).detections;
    const back = (v: number, pad: number) => (v / s - pad) / (640 / 768);
    assert.ok(Math.abs((d?.box?.x1 as number) - back(192, 0)) < 1e-3);
    assert.ok(Math.abs((d?.box?.y1 as number) - back(192, 80)) < 1e-3);
  });
});
