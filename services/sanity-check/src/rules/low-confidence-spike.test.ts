import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batch, det } from '../test-support/messages.js';
import { LowConfidenceSpikeRule } from './low-confidence-spike.js';

const options = { lowScore: 0.5, windowFrames: 10, minDetections: 20, minRate: 0.5, spikeRatio: 2 };
/** A frame with 4 detections of which `low` score below 0.5. */
const frame = (s: number, low: number) =>
  batch(
    s,
    [0, 1, 2, 3].map((i) => det([i * 50, 10, i * 50 + 40, 100], i < low ? 0.3 : 0.85)),
  );

describe('low-confidence-spike', () => {
  it('flags a window where far more detections than usual are unsure, once per spike', () => {
    const rule = new LowConfidenceSpikeRule(options);
    const found = [];
    let s = 0;
    for (; s < 50; s++) found.push(...rule.onDetections(frame(s, s % 4 === 0 ? 1 : 0)));
    assert.equal(found.length, 0, "about 6% is this camera's usual");
    for (; s < 80; s++) found.push(...rule.onDetections(frame(s, 3)));
    assert.equal(found.length, 1);
    assert.equal(found[0]!.evidence.rate, 0.75);
    assert.ok(found[0]!.evidence.usual_rate! < 0.1);
    for (; s < 100; s++) found.push(...rule.onDetections(frame(s, 0)));
    for (; s < 110; s++) found.push(...rule.onDetections(frame(s, 4)));
    assert.equal(found.length, 2, 're-armed after a normal window');
  });

  it('compares odds, so a detector that usually reports many weak boxes still shows a spike', () => {
    const rule = new LowConfidenceSpikeRule(options);
    const found = [];
    let s = 0;
    // Usually 62.5% below 0.5 (a low score threshold): a share that could never double.
    for (; s < 50; s++) found.push(...rule.onDetections(frame(s, s % 2 === 0 ? 3 : 2)));
    for (; s < 60; s++) found.push(...rule.onDetections(frame(s, 3)));
    assert.equal(found.length, 0, 'a window at 75% is ordinary wobble (odds x1.8)');
    for (; s < 70; s++) found.push(...rule.onDetections(frame(s, 4)));
    assert.equal(found.length, 1, 'every score halved: all of them weak');
    assert.ok(found[0]!.evidence.odds_ratio! > 100);
  });

  it('says nothing when a camera that is usually 90 % unsure has a window with a few confident boxes fewer', () => {
    const rule = new LowConfidenceSpikeRule(options);
    const found = [];
    let s = 0;
    // 36 of 40 weak per window: 4 confident boxes expected.
    for (; s < 50; s++) found.push(...rule.onDetections(frame(s, s % 10 === 0 ? 0 : 4)));
    // 39 of 40: the odds go from 9 to 39, but one confident box where four were usual is wobble.
    for (; s < 60; s++) found.push(...rule.onDetections(frame(s, s % 10 === 0 ? 3 : 4)));
    assert.deepEqual(found, []);
  });

  it('says nothing about windows with too few detections or a camera that is always unsure', () => {
    const sparse = new LowConfidenceSpikeRule(options);
    let found = 0;
    for (let s = 0; s < 100; s++)
      found += sparse.onDetections(
        batch(s, s < 50 ? [det([0, 0, 10, 10], 0.9), det([20, 0, 30, 10], 0.9)] : [det([0, 0, 10, 10], 0.2)]),
      ).length;
    const unsure = new LowConfidenceSpikeRule(options);
    for (let s = 0; s < 100; s++) found += unsure.onDetections(frame(s, 3)).length;
    assert.equal(found, 0);
  });
});
