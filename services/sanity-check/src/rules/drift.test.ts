import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batch, det } from '../test-support/messages.js';
import { DriftRule } from './drift.js';

const options = {
  baselineSize: 400,
  windowSize: 200,
  evalEvery: 50,
  bins: 10,
  scoreThreshold: 0.25,
  boxThreshold: 0.25,
};

/** Deterministic pseudo-random scores around `mean` and boxes around `size` px. */
function frames(from: number, count: number, mean: number, size: number) {
  const out = [];
  let x = from * 7919 + 12345;
  const rand = () => (x = (x * 48271) % 2147483647) / 2147483647;
  for (let s = from; s < from + count; s++) {
    const dets = [0, 1, 2, 3].map((i) => {
      const w = size * (0.8 + 0.4 * rand());
      return det([i * 150, 100, i * 150 + w, 100 + 2 * w], Math.min(0.99, Math.max(0.05, mean + (rand() - 0.5) * 0.3)));
    });
    out.push(batch(s, dets));
  }
  return out;
}

describe('drift', () => {
  it('reports PSI as a measurement and flags a confidence shift against the baseline, once', () => {
    const rule = new DriftRule(options);
    const found = [];
    for (const b of frames(0, 200, 0.75, 60)) found.push(...rule.onDetections(b));
    assert.equal(found.length, 0, 'same distribution');
    const calm = rule.measurements().find((m) => m.labels.metric === 'confidence');
    assert.ok(calm && calm.value < 0.1, `stable PSI is small (${calm?.value})`);
    for (const b of frames(200, 150, 0.45, 60)) found.push(...rule.onDetections(b));
    assert.equal(found.length, 1);
    const f = found[0]!;
    assert.equal(f.subject, 'confidence');
    assert.ok(f.evidence.psi! >= 0.25);
    assert.ok(f.evidence.window_mean! < f.evidence.baseline_mean!);
    assert.equal(f.evidence.baseline_n, 400);
  });

  it('flags box sizes that change (camera zoomed or knocked) without touching confidence', () => {
    const rule = new DriftRule(options);
    const found = [];
    for (const b of frames(0, 200, 0.75, 60)) found.push(...rule.onDetections(b));
    for (const b of frames(200, 150, 0.75, 15)) found.push(...rule.onDetections(b));
    assert.deepEqual(
      found.map((f) => f.subject),
      ['box-size'],
    );
  });
});

describe('drift and invalid boxes', () => {
  it('leaves boxes the invalid-box rule flags out of both distributions', () => {
    const rule = new DriftRule(options);
    const found = [];
    for (const b of frames(0, 200, 0.75, 60)) found.push(...rule.onDetections(b));
    // A decoder bug adds confident NaN, zero-area and off-frame boxes to every frame.
    for (const b of frames(200, 150, 0.75, 60)) {
      b.detections.push(det([NaN, 10, 50, 90], 0.3), det([100, 100, 100, 180], 0.3), det([5000, 100, 5100, 300], 0.3));
      found.push(...rule.onDetections(b));
    }
    assert.deepEqual(
      found.map((f) => f.subject),
      [],
    );
  });
});
