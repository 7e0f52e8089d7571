import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, quantile } from './statistics.js';

describe('statistics', () => {
  it('quantile is the nearest rank, whatever the order of the values', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    assert.equal(quantile(values, 0.5), 5);
    assert.equal(quantile(values, 0.95), 10);
    assert.equal(quantile(values, 0.1), 1);
    assert.equal(quantile(values, 0), 1);
    assert.equal(quantile(values, 1), 10);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });

  it('median is the middle value, or the mean of the two middle ones', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});
