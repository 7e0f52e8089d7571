import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRegistry } from '../metrics/registry.js';
import { PublishRefusals, publishRefusalReason, StreamFullError } from './publish-refusals.js';

// The error nats.js throws when a discard-new stream is full (nats-server 2.9): code 503 like "no responders".
const full = Object.assign(new Error('503'), { code: '503', api_error: { code: 503, err_code: 10077, description: 'maximum bytes exceeded' } });

describe('publish refusals', () => {
  it('tells a full stream from other publish failures', () => {
    assert.equal(publishRefusalReason(full), 'max_bytes');
    assert.equal(publishRefusalReason({ api_error: { code: 503, err_code: 10077, description: 'maximum messages exceeded' } }), 'max_messages');
    assert.equal(publishRefusalReason(Object.assign(new Error('503'), { code: '503' })), undefined); // no responders
    assert.equal(publishRefusalReason(new Error('TIMEOUT')), undefined);
  });

  it('counts a refusal by stream and reason and turns it into a StreamFullError', async () => {
    const registry = createRegistry();
    const refusals = new PublishRefusals(registry, 'va_test_');
    const err = refusals.note('va.tracks.cam-1', full);
    assert.ok(err instanceof StreamFullError);
    assert.equal(err.code, 'RESOURCE_EXHAUSTED');
    assert.equal(refusals.note('va.tracks.cam-1', new Error('TIMEOUT')), undefined);
    const values = (await refusals.refused.get()).values;
    assert.deepEqual(values.map((v) => [v.labels, v.value]), [[{ stream: 'VA_TRACKS', reason: 'max_bytes' }, 1]]);
  });
});
