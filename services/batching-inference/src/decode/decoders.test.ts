import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NonFiniteOutputError } from '../model-errors.js';
import { Candidates } from './candidates.js';
import { EmbeddingDecoder } from './embedding-decoder.js';
import { nms } from './nms.js';
import { UltralyticsDecoder } from './ultralytics-decoder.js';
import { YoloxDecoder, anchorGrid } from './yolox-decoder.js';

describe('YOLOX grid decode', () => {
  const classes = 3;
  const decoder = new YoloxDecoder('m', 'output', 64, 64, [8, 16, 32], classes, false);
  const anchors = 8 * 8 + 4 * 4 + 2 * 2;
  const rowLen = 5 + classes;

  it('orders anchors stride by stride, row by row', () => {
    const g = anchorGrid(64, 64, [8, 16, 32]);
    assert.equal(g.gx.length, anchors);
    assert.deepEqual([g.gx[9], g.gy[9], g.stride[9]], [1, 1, 8]);
    assert.deepEqual([g.gx[64], g.gy[64], g.stride[64]], [0, 0, 16]);
  });

  it('turns grid offsets and log sizes into pixel boxes scored objectness x best class', () => {
    const data = new Float32Array(anchors * rowLen);
    const i = 4 * 8 + 3; // stride 8, grid x 3, y 4
    data.set([0.5, 0.5, Math.log(2), Math.log(3), 0.9, 0.1, 0.8, 0.2], i * rowLen);
    data.set([0, 0, 0, 0, 0.2, 0.9, 0, 0], 0); // objectness below the threshold
    const c = decoder.decode({ output: { data, dims: [anchors, rowLen] } }, 0.3);
    assert.equal(c.length, 1);
    const got = [c.x1[0], c.y1[0], c.x2[0], c.y2[0]] as number[];
    [28 - 8, 36 - 12, 28 + 8, 36 + 12].forEach((want, k) =>
      assert.ok(Math.abs((got[k] as number) - want) < 1e-5, `corner ${k}: ${got[k]} vs ${want}`),
    );
    assert.ok(Math.abs((c.score[0] as number) - 0.72) < 1e-6);
    assert.equal(c.classId[0], 1);
  });

  it('rejects NaN outputs and a head that does not fit the grid', () => {
    const data = new Float32Array(anchors * rowLen);
    data[17] = NaN;
    assert.throws(() => decoder.decode({ output: { data, dims: [anchors, rowLen] } }, 0.3), NonFiniteOutputError);
    assert.throws(() => decoder.checkShape([anchors + 1, rowLen]), /anchors/);
    assert.throws(() => decoder.checkShape([anchors, rowLen + 1]), /classes/);
  });
});

describe('YOLOv5 and YOLOv8 outputs', () => {
  it('v8: channels first, no objectness', () => {
    const d = new UltralyticsDecoder('m', 'out', 'yolov8', 2);
    // 3 anchors, rows cx, cy, w, h, class0, class1.
    const data = Float32Array.from([
      10, 20, 30, /* cx */ 10, 20, 30, /* cy */ 4, 4, 4, /* w */ 2, 2, 2, /* h */ 0.1, 0.9, 0.2, /* c0 */ 0.7, 0.1,
      0.1 /* c1 */,
    ]);
    const c = d.decode({ out: { data, dims: [6, 3] } }, 0.5);
    assert.deepEqual(c.classId, [1, 0]);
    assert.deepEqual([c.x1[0], c.y1[0], c.x2[0], c.y2[0]], [8, 9, 12, 11]);
    const transposed = new Float32Array(18);
    for (let k = 0; k < 6; k++) for (let i = 0; i < 3; i++) transposed[i * 6 + k] = data[k * 3 + i] as number;
    assert.deepEqual(
      d.decode({ out: { data: transposed, dims: [3, 6] } }, 0.5),
      c,
      'a transposed export decodes the same',
    );
  });

  it('v5: objectness x class score', () => {
    const d = new UltralyticsDecoder('m', 'out', 'yolov5', 2);
    const data = Float32Array.from([50, 50, 10, 10, 0.5, 0.9, 0.1, 50, 50, 10, 10, 0.2, 0.9, 0.9]);
    const c = d.decode({ out: { data, dims: [2, 7] } }, 0.4);
    assert.equal(c.length, 1);
    assert.ok(Math.abs((c.score[0] as number) - 0.45) < 1e-6);
  });
});

describe('class-aware NMS', () => {
  const boxes = () => {
    const c = new Candidates();
    c.push(0, 0, 10, 10, 0.9, 0);
    c.push(1, 1, 11, 11, 0.8, 0); // overlaps the first, same class: suppressed
    c.push(1, 1, 11, 11, 0.7, 1); // same place, other class: kept unless class-agnostic
    c.push(50, 50, 60, 60, 0.6, 0);
    return c;
  };
  const options = { iouThreshold: 0.45, classAgnostic: false, preNmsTopK: 100, maxDetections: 100 };

  it('suppresses overlaps within a class only', () => {
    assert.deepEqual(nms(boxes(), options), [0, 2, 3]);
  });

  it('class-agnostic suppresses across classes; caps apply', () => {
    assert.deepEqual(nms(boxes(), { ...options, classAgnostic: true }), [0, 3]);
    assert.deepEqual(nms(boxes(), { ...options, maxDetections: 2 }), [0, 2]);
    assert.deepEqual(nms(boxes(), { ...options, preNmsTopK: 1 }), [0]);
  });
});

describe('embedding decoder', () => {
  it('L2-normalises and checks the size', () => {
    const d = new EmbeddingDecoder('m', 'out', 2, true);
    const v = d.decode({ out: { data: Float32Array.from([3, 4]), dims: [2] } });
    assert.ok(Math.abs((v[0] as number) - 0.6) < 1e-6 && Math.abs((v[1] as number) - 0.8) < 1e-6);
    assert.throws(() => d.checkShape([3]), /config says 2/);
    assert.throws(() => d.decode({ out: { data: Float32Array.from([Infinity, 1]), dims: [2] } }), NonFiniteOutputError);
  });
});
