import { jetStreamLimits } from '../config/nats.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiscardPolicy, nanos } from 'nats';
import { loadNatsConfig } from '../config/nats.js';
import { STREAMS, streamConfig, streamOfSubject, type StreamKey } from './streams.js';

describe('stream limits', () => {
  it('keeps flags and reviews for VA_JS_DECISIONS_MAX_AGE_HOURS, data streams for VA_JS_MAX_AGE_HOURS', () => {
    const limits = loadNatsConfig({ VA_JS_MAX_AGE_HOURS: '24', VA_JS_DECISIONS_MAX_AGE_HOURS: '720' }).jetstream;
    assert.equal(streamConfig('detections', limits).max_age, nanos(24 * 3600_000));
    assert.equal(streamConfig('flags', limits).max_age, nanos(720 * 3600_000));
    assert.equal(streamConfig('reviews', limits).max_age, nanos(720 * 3600_000));
  });

  it('falls back to the common max age when limits come without a decisions age', () => {
    const limits = jetStreamLimits({ maxAgeMs: 3600_000, maxBytes: 1 << 20, replicas: 1, duplicateWindowMs: 60_000 });
    assert.equal(streamConfig('flags', limits).max_age, nanos(3600_000));
  });
});

describe('nothing lost silently when a stream is full', () => {
  const limits = loadNatsConfig({
    VA_JS_MAX_BYTES: String(2 << 20),
    VA_JS_DETECTIONS_MAX_BYTES: String(8 << 20),
  }).jetstream;

  it('declares every stream discard-new: a full stream refuses new messages instead of deleting stored ones', () => {
    for (const key of Object.keys(STREAMS) as StreamKey[])
      assert.equal(streamConfig(key, limits).discard, DiscardPolicy.New, key);
  });

  it('gives VA_DETECTIONS its own byte budget', () => {
    assert.equal(streamConfig('detections', limits).max_bytes, 8 << 20);
    assert.equal(streamConfig('tracks', limits).max_bytes, 2 << 20);
  });

  it('finds the stream of a subject', () => {
    assert.equal(streamOfSubject('va.detections.cam-1'), 'VA_DETECTIONS');
    assert.equal(streamOfSubject('va.track-events.cam-1'), 'VA_TRACK_EVENTS');
    assert.equal(streamOfSubject('va.deadletter.search-tracks.cam-1'), 'VA_DEAD_LETTERS');
    assert.equal(streamOfSubject('va.frames.cam-1'), undefined);
  });
});
