import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JetStreamClient } from 'nats';
import { createRegistry } from '../metrics/registry.js';
import { PublishRefusals, publishRefusalReason, StreamFullError } from './publish-refusals.js';

// The error nats.js throws when a discard-new stream is full (nats-server 2.9): code 503 like "no responders".
const full = Object.assign(new Error('503'), {
  code: '503',
  api_error: { code: 503, err_code: 10077, description: 'maximum bytes exceeded' },
});

describe('publish refusals', () => {
  it('tells a full stream from other publish failures', () => {
    assert.equal(publishRefusalReason(full), 'max_bytes');
    assert.equal(
      publishRefusalReason({ api_error: { code: 503, err_code: 10077, description: 'maximum messages exceeded' } }),
      'max_messages',
    );
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
    assert.deepEqual(
      values.map((v) => [v.labels, v.value]),
      [[{ stream: 'VA_TRACKS', reason: 'max_bytes' }, 1]],
    );
  });

  it('publish() returns the ack, throws a refusal as a counted StreamFullError, and any other failure as it came', async () => {
    const refusals = new PublishRefusals(createRegistry(), 'va_test_');
    const ack = { stream: 'VA_FLAGS', seq: 7, duplicate: false, domain: '' };
    const timeout = new Error('TIMEOUT');
    const outcomes: unknown[] = [ack, full, timeout];
    const published: Array<[string, string | undefined]> = [];
    // Unit-level stand-in for the nats client: only publish() is used.
    const js = {
      publish: async (subject: string, _data: Uint8Array, options?: { msgID?: string }) => {
        published.push([subject, options?.msgID]);
        const outcome = outcomes.shift();
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
    } as unknown as JetStreamClient;
    assert.equal(await refusals.publish(js, 'va.flags.cam-1', new Uint8Array(1), { msgID: 'f1' }), ack);
    await assert.rejects(
      refusals.publish(js, 'va.flags.cam-1', new Uint8Array(1)),
      (err) => err instanceof StreamFullError && err.stream === 'VA_FLAGS' && err.cause === full,
    );
    await assert.rejects(refusals.publish(js, 'va.flags.cam-1', new Uint8Array(1)), (err) => err === timeout);
    assert.deepEqual(published, [
      ['va.flags.cam-1', 'f1'],
      ['va.flags.cam-1', undefined],
      ['va.flags.cam-1', undefined],
    ]);
    const values = (await refusals.refused.get()).values;
    assert.deepEqual(
      values.map((v) => [v.labels, v.value]),
      [[{ stream: 'VA_FLAGS', reason: 'max_bytes' }, 1]],
    );
  });
});
