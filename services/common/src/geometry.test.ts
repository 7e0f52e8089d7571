import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iou } from './geometry.js';

describe('iou', () => {
  it('is 1 for the same box, 0 for boxes apart or touching, and the overlap share otherwise', () => {
    const a = { x1: 0, y1: 0, x2: 10, y2: 10 };
    assert.equal(iou(a, a), 1);
    assert.equal(iou(a, { x1: 10, y1: 0, x2: 20, y2: 10 }), 0);
    assert.equal(iou(a, { x1: 20, y1: 20, x2: 30, y2: 30 }), 0);
    assert.equal(iou(a, { x1: 5, y1: 0, x2: 15, y2: 10 }), 50 / 150);
    assert.equal(iou(a, { x1: 0, y1: 0, x2: 5, y2: 5 }), 25 / 100);
  });

  it('is 0 for empty boxes', () => {
    const empty = { x1: 3, y1: 3, x2: 3, y2: 3 };
    assert.equal(iou(empty, empty), 0);
  });
});
