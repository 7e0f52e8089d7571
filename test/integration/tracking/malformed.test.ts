import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codecs, subjects } from '@va/common';
import type { Detection } from '@va/proto/va/common/v1/detection';
import { waitFor } from '@va/harness/ports';
import { batch, metricValue, person, publishBatch, storedUpdates, waitForUpdates } from '@va/harness/tracking-service';
import { useTrackingFixture } from '../../helpers/tracking-fixture.js';

const CAMERA = 'street';
const bad = (x1: number, y1: number, x2: number, y2: number, score = 0.9): Detection => ({
  box: { x1, y1, x2, y2 },
  score,
  classId: 0,
  className: 'person',
  embedding: [],
});

describe('malformed messages and out-of-range boxes are refused and counted, never crash the service (real NATS, real process)', () => {
  const t = useTrackingFixture();

  it('rejects NaN, infinite, inverted, far-outside and absurd boxes by reason and tracks the valid one', async () => {
    for (let q = 0; q < 5; q++) {
      await publishBatch(
        t.nats,
        batch(CAMERA, q, [
          bad(NaN, 10, 50, 100),
          bad(10, 10, Infinity, 100),
          bad(300, 300, 200, 400),
          bad(9000, 9000, 9100, 9100),
          bad(-1e12, -1e12, 1e12, 1e12),
          bad(10, 10, 60, 110, 7),
          person(400 + 10 * q, 300),
        ]),
      );
    }
    const updates = await waitForUpdates(t.nats, CAMERA, 5);
    assert.ok(updates.every((u) => u.tracks.length === 1 && u.tracks[0]!.detectionIndex === 6));
    const rejected = (reason: string) =>
      metricValue(t.svc.httpPort, 'va_tracking_rejected_boxes_total', { camera: CAMERA, reason });
    assert.equal(await rejected('not_finite'), 10);
    assert.equal(await rejected('inverted'), 5);
    assert.equal(await rejected('out_of_frame'), 10);
    assert.equal(await rejected('bad_score'), 5);
  });

  it('terminates undecodable payloads and batches naming another camera; later frames still flow', async () => {
    await t.nats.js.publish(subjects.detections(CAMERA), new Uint8Array([0xff, 0xff, 0xff, 0x0f, 0x01]));
    await t.nats.js.publish(
      subjects.detections(CAMERA),
      codecs.detectionBatch.encode({ ...batch(CAMERA, 5, []), cameraId: 'someone-else' }),
    );
    for (let q = 5; q < 8; q++) await publishBatch(t.nats, batch(CAMERA, q, [person(400 + 10 * q, 300)]));
    await waitForUpdates(t.nats, CAMERA, 8);
    await waitFor(async () => (await metricValue(t.svc.httpPort, 'va_tracking_malformed_messages_total')) === 2, {
      what: 'two malformed counted',
    });
    await waitFor(
      async () => (await t.nats.jsm.consumers.info('VA_DETECTIONS', `tracking-${CAMERA}`)).num_ack_pending === 0,
      { what: 'nothing left pending' },
    );
    const updates = await storedUpdates(t.nats, CAMERA);
    assert.deepEqual(
      updates.map((u) => u.sequence),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(new Set(updates.flatMap((u) => u.tracks.map((t) => t.trackId))).size, 1);
  });
});
