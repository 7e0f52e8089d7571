import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binOf, histogramMean, psi } from './psi.js';

describe('population stability index', () => {
  it('is 0 for identical shares, symmetric, and matches a hand computation', () => {
    assert.equal(psi([10, 20, 30], [20, 40, 60], 0), 0);
    assert.equal(psi([50, 50], [90, 10], 0).toFixed(6), psi([90, 10], [50, 50], 0).toFixed(6));
    // (0.5-0.9) ln(0.5/0.9) + (0.5-0.1) ln(0.5/0.1)
    const expected = -0.4 * Math.log(0.5 / 0.9) + 0.4 * Math.log(5);
    assert.ok(Math.abs(psi([50, 50], [90, 10], 0) - expected) < 1e-12);
  });

  it('stays finite with empty bins and grows with the shift', () => {
    const base = [0, 0, 10, 60, 30];
    assert.ok(Number.isFinite(psi([100, 0, 0, 0, 0], base)));
    assert.ok(psi([0, 5, 20, 55, 20], base) < psi([0, 20, 50, 25, 5], base));
  });

  it('bins values and summarises histograms', () => {
    assert.deepEqual(
      [-1, 0, 0.05, 0.5, 0.999, 1, 2].map((v) => binOf(v, 0, 1, 10)),
      [0, 0, 0, 5, 9, 9, 9],
    );
    assert.equal(histogramMean([0, 10, 0, 0], 0, 1), 0.375);
  });
});
