import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JetStreamClient } from 'nats';
import { createLogger, createRegistry, PublishRefusals, StreamFullError } from '@va/common';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { InferenceMetrics } from '../metrics.js';
import { DetectionPublisher } from './detection-publisher.js';

// What nats.js throws when a discard-new stream is full (nats-server 2.9).
const full = () =>
  Object.assign(new Error('503'), {
    code: '503',
    api_error: { code: 503, err_code: 10077, description: 'maximum bytes exceeded' },
  });

describe('DetectionPublisher on a full VA_DETECTIONS', () => {
  it('retries within its budget, counts every refusal, then drops the batch counted as stream_full', async () => {
    const registry = createRegistry();
    const metrics = new InferenceMetrics(registry, 'va_inference_');
    const refusals = new PublishRefusals(registry, 'va_inference_');
    let attempts = 0;
    const js = { publish: () => Promise.reject((attempts++, full())) } as unknown as JetStreamClient;
    const publisher = new DetectionPublisher(
      js,
      metrics,
      createLogger('test', 'silent'),
      { retries: 2, timeoutMs: 1_000 },
      refusals,
    );
    const batch = DetectionBatch.fromPartial({ cameraId: 'cam-1', sequence: 1, streamEpoch: 'e1' });
    await assert.rejects(publisher.publish(batch), StreamFullError);
    assert.equal(attempts, 3);
    const refused = (await refusals.refused.get()).values;
    assert.deepEqual(
      refused.map((v) => [v.labels, v.value]),
      [[{ stream: 'VA_DETECTIONS', reason: 'max_bytes' }, 3]],
    );
    const failures = (await metrics.publishFailures.get()).values;
    assert.deepEqual(
      failures.map((v) => [v.labels, v.value]),
      [[{ reason: 'stream_full' }, 1]],
    );
  });
});
