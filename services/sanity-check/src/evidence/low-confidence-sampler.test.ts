import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batch, det } from '../test-support/messages.js';
import { LowConfidenceSampler } from './low-confidence-sampler.js';

describe('low-confidence sampler', () => {
  it('samples frames with unsure detections at most once per interval per camera', () => {
    const sampler = new LowConfidenceSampler({ below: 0.4, intervalMs: 1000 });
    const picks = [];
    for (let s = 0; s < 40; s++) {
      const scores = s % 2 ? [0.9, 0.3] : [0.9];
      if (
        sampler.shouldSample(
          batch(
            s,
            scores.map((sc) => det([0, 0, 10, 10], sc)),
          ),
        )
      )
        picks.push(s);
    }
    assert.deepEqual(picks, [1, 11, 21, 31]);
    assert.ok(sampler.shouldSample(batch(2, [det([0, 0, 1, 1], 0.1)], { camera: 'cam-2' })));
  });

  it('is off at 0', () => {
    assert.equal(
      new LowConfidenceSampler({ below: 0, intervalMs: 0 }).shouldSample(batch(0, [det([0, 0, 1, 1], 0.01)])),
      false,
    );
  });
});
