import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { update } from '../test-support/messages.js';
import { LatencySloRule, PipelineLatency, quantile } from './latency-slo.js';

const options = { sloMs: 200, quantile: 0.95, window: 40, evalEvery: 10 };

describe('latency-slo', () => {
  it('flags when the capture -> tracks p95 exceeds the objective, once per breach, and measures it', () => {
    const rule = new LatencySloRule(options);
    const found = [];
    for (let s = 0; s < 60; s++) found.push(...rule.onTracks(update(s, [], { trackedLatencyMs: 60 + (s % 10) })));
    assert.equal(found.length, 0);
    assert.equal(rule.measurements()[0]?.value, 69);
    for (let s = 60; s < 120; s++) found.push(...rule.onTracks(update(s, [], { trackedLatencyMs: 450 })));
    assert.equal(found.length, 1);
    assert.equal(found[0]!.evidence.quantile_ms, 450);
    assert.equal(found[0]!.evidence.capture_to_detections_ms, 50, 'the detector was fast: tracking or the bus is slow');
    for (let s = 120; s < 200; s++) found.push(...rule.onTracks(update(s, [], { trackedLatencyMs: 70 })));
    for (let s = 200; s < 260; s++) found.push(...rule.onTracks(update(s, [], { trackedLatencyMs: 300 })));
    assert.equal(found.length, 2, 'recovered, then breached again');
  });

  it('tolerates a few slow frames and ignores messages without timestamps', () => {
    const rule = new LatencySloRule(options);
    let found = 0;
    for (let s = 0; s < 200; s++)
      found += rule.onTracks(update(s, [], { trackedLatencyMs: s % 40 === 0 ? 900 : 80 })).length;
    const noTs = update(300, []);
    noTs.trackedTsMs = 0;
    found += rule.onTracks(noTs).length;
    assert.equal(found, 0);
    assert.equal(quantile(Float64Array.from([5, 1, 4, 2, 3]), 0.95), 5);
  });

  it('flags a breach once for the whole pipeline, not once per camera, and says it is the pipeline', () => {
    const pipeline = new PipelineLatency(options);
    const cameras = ['a', 'b', 'c'].map((camera) => ({ camera, rule: new LatencySloRule(options, pipeline) }));
    const found = [];
    for (let s = 0; s < 200; s++) {
      for (const { camera, rule } of cameras)
        found.push(...rule.onTracks(update(s, [], { camera, trackedLatencyMs: s < 50 ? 80 : 600 })));
    }
    assert.equal(found.length, 1, found.map((f) => `${f.cameraId}: ${f.message}`).join('\n'));
    assert.equal(found[0]!.subject, 'pipeline');
    assert.match(found[0]!.message, /the pipeline is slow, not the camera/);
    assert.equal(found[0]!.evidence.cameras_in_last_evaluation, 3);
    for (const { rule } of cameras)
      assert.equal(rule.measurements()[0]?.value, 600, 'every camera reports the pipeline figure');
  });
});
