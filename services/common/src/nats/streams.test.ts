import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nanos } from 'nats';
import { loadNatsConfig } from '../config/nats.js';
import { streamConfig } from './streams.js';

describe('stream limits', () => {
  it('keeps flags and reviews for VA_JS_DECISIONS_MAX_AGE_HOURS, data streams for VA_JS_MAX_AGE_HOURS', () => {
    const limits = loadNatsConfig({ VA_JS_MAX_AGE_HOURS: '24', VA_JS_DECISIONS_MAX_AGE_HOURS: '720' }).jetstream;
    assert.equal(streamConfig('detections', limits).max_age, nanos(24 * 3600_000));
    assert.equal(streamConfig('flags', limits).max_age, nanos(720 * 3600_000));
    assert.equal(streamConfig('reviews', limits).max_age, nanos(720 * 3600_000));
  });

  it('falls back to the common max age when limits come without a decisions age', () => {
    const limits = { maxAgeMs: 3600_000, maxBytes: 1 << 20, replicas: 1, duplicateWindowMs: 60_000 };
    assert.equal(streamConfig('flags', limits).max_age, nanos(3600_000));
  });
});
