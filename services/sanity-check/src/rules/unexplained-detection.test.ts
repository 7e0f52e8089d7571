import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batch, det, track, update } from '../test-support/messages.js';
import { UnexplainedDetectionRule } from './unexplained-detection.js';

const options = { minScore: 0.7, minFrames: 5, linkIou: 0.3 };

describe('unexplained-detection', () => {
  it('flags a confident detection no track matches for M frames, once', () => {
    const rule = new UnexplainedDetectionRule(options);
    const found = [];
    for (let s = 0; s < 10; s++) {
      const x = 100 + s * 3; // walking slowly: still the same object frame to frame
      const b = batch(s, [det([10, 10, 60, 120]), det([x, 50, x + 40, 150], 0.88)]);
      found.push(...rule.onTracks(update(s, [track('1', [10, 10, 60, 120], { detectionIndex: 0 })]), b));
    }
    assert.equal(found.length, 1);
    assert.equal(found[0]!.sequence, 4);
    assert.equal(found[0]!.evidence.frames_unexplained, 5);
    assert.equal(found[0]!.scores[0], 0.88);
  });

  it('ignores explained, unsure and non-persistent detections, and frames whose detections are unknown', () => {
    const rule = new UnexplainedDetectionRule(options);
    let found = 0;
    for (let s = 0; s < 12; s++) {
      const jumpy = s % 2 === 0 ? [300, 300, 340, 400] : [20, 300, 60, 400];
      const b = batch(s, [
        det([100, 50, 140, 150], 0.9),
        det([400, 50, 440, 150], 0.5),
        det(jumpy as [number, number, number, number], 0.9),
      ]);
      found += rule.onTracks(update(s, [track('1', [100, 50, 140, 150], { detectionIndex: 0 })]), b).length;
      found += rule.onTracks(update(100 + s, []), undefined).length;
    }
    assert.equal(found, 0);
  });
});
