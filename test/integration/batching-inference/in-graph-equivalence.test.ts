import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Detection } from '@va/proto/va/common/v1/detection';
import { decodeImage, OfflineDetector, type OfflineFrame } from '@va/batching-inference/offline';
import { iou } from '@va/common';
import { sharedDir, sharedFile } from '@va/harness/shared';
import { shippedConfig, tempRepository } from './inference-fixture.js';

const YOLOX = 'models/yolox_nano.onnx';

describe('uint8 input with normalisation in the graph, and decode + NMS in the graph, equal the plain path (PETS09 frames)', () => {
  let repo: ReturnType<typeof tempRepository>;
  const detectors: Record<string, OfflineDetector> = {};
  let frames: OfflineFrame[];

  before(async () => {
    repo = tempRepository([
      {
        name: 'plain',
        config: shippedConfig('yolox_nano', { inGraph: { normalize: false, postprocess: false } }),
        versions: { '1': YOLOX },
      },
      {
        name: 'in_graph',
        config: shippedConfig('yolox_nano', { inGraph: { normalize: true, postprocess: true } }),
        versions: { '1': YOLOX },
      },
      {
        name: 'uint8_only',
        config: shippedConfig('yolox_nano', { inGraph: { normalize: true, postprocess: false } }),
        versions: { '1': YOLOX },
      },
    ]);
    for (const model of ['plain', 'in_graph', 'uint8_only'])
      detectors[model] = await OfflineDetector.open({ repository: repo.dir, sharedDir: sharedDir(), model });
    frames = [];
    for (const n of [1, 100, 200, 300]) {
      const image = await decodeImage(
        readFileSync(sharedFile(`data/mot15/PETS09-S2L1/img1/${String(n).padStart(6, '0')}.jpg`)),
      );
      frames.push({ image, cameraId: 'pets09', sequence: n, captureTsMs: n });
    }
  });

  after(async () => {
    await Promise.all(Object.values(detectors).map((d) => d.close()));
    repo?.dispose();
  });

  const same = (a: Detection[], b: Detection[], what: string) => {
    assert.equal(b.length, a.length, `${what}: as many detections`);
    for (const d of a) {
      const match = b.find(
        (e) =>
          e.classId === d.classId && Math.abs(e.score - d.score) < 1e-3 && iou(e.box as never, d.box as never) > 0.99,
      );
      assert.ok(match, `${what}: ${d.className} ${d.score.toFixed(3)} found`);
    }
  };

  for (const model of ['in_graph', 'uint8_only']) {
    it(`${model} gives the plain path's detections, batched`, async () => {
      const plain = await (detectors.plain as OfflineDetector).detect(frames);
      const other = await (detectors[model] as OfflineDetector).detect(frames);
      assert.ok(plain.reduce((n, b) => n + b.detections.length, 0) > 20);
      plain.forEach((b, i) =>
        same(b.detections, (other[i] as (typeof other)[number]).detections, `${model} frame ${b.sequence}`),
      );
    });
  }
});
