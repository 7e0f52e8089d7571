import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { update } from '../test-support/messages.js';
import { LatencySloRule, quantile } from './latency-slo.js';

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
    for (let s = 0; s < 200; s++) found += rule.onTracks(update(s, [], { trackedLatencyMs: s % 40 === 0 ? 900 : 80 })).length;
    const noTs = update(300, []);
    noTs.trackedTsMs = 0;
    found += rule.onTracks(noTs).length;
    assert.equal(found, 0);
    assert.equal(quantile(Float64Array.from([5, 1, 4, 2, 3]), 0.95), 5);
  });
});
