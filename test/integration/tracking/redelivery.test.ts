import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnectionHandle } from '@va/common';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { sleep, waitFor } from '@va/harness/ports';
import {
  batch,
  connectTestNats,
  deleteDurable,
  metricValue,
  person,
  publishBatch,
  startTracking,
  storedEvents,
  storedUpdates,
  waitForUpdates,
} from '@va/harness/tracking-service';

const CAMERA = 'gate-2';
const frames = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
const twoPeople = (q: number) => [person(200 + 6 * q, 300), person(900 - 6 * q, 420)];

describe('redelivery is idempotent (real NATS, real process)', () => {
  let server: TestNatsServer;
  let nats: NatsConnectionHandle;
  before(async () => {
    server = await startNatsServer();
    nats = await connectTestNats(server);
  });
  after(async () => {
    await nats?.close();
    await server?.dispose();
  });

  it('a detection delivered twice while running is dropped as a duplicate and adds nothing', async () => {
    const svc = await startTracking(server);
    try {
      for (const q of frames(0, 12)) await publishBatch(nats, batch(CAMERA, q, twoPeople(q)));
      await waitForUpdates(nats, CAMERA, 12);
      const eventsBefore = (await storedEvents(nats, CAMERA)).length;
      // The same frames published again without a msgID: stored twice in VA_DETECTIONS, delivered twice.
      for (const q of [3, 7, 11]) await publishBatch(nats, batch(CAMERA, q, twoPeople(q)), null);
      await waitFor(
        async () =>
          (await metricValue(svc.httpPort, 'va_tracking_reorder_drops_total', {
            camera: CAMERA,
            reason: 'duplicate',
          })) === 3,
        {
          what: 'three duplicates counted',
        },
      );
      await waitFor(
        async () => (await nats.jsm.consumers.info('VA_DETECTIONS', `tracking-${CAMERA}`)).num_ack_pending === 0,
        { what: 'duplicates acked' },
      );
      assert.equal((await storedUpdates(nats, CAMERA)).length, 12);
      assert.equal((await storedEvents(nats, CAMERA)).length, eventsBefore);
    } finally {
      assert.equal(await svc.proc.stop(), 0);
    }
  });

  it('a camera replayed from its first frame (consumer state lost) republishes the same ids, which JetStream stores once', async () => {
    const CAMERA = 'gate-3';
    for (const q of frames(0, 20)) await publishBatch(nats, batch(CAMERA, q, q < 16 ? twoPeople(q) : []));
    let svc = await startTracking(server, { VA_TRACKING_TRACK_BUFFER: '2' });
    await waitForUpdates(nats, CAMERA, 20);
    assert.equal(await svc.proc.stop(), 0);
    const updates = await storedUpdates(nats, CAMERA);
    const events = await storedEvents(nats, CAMERA);
    assert.deepEqual(
      updates.map((u) => u.sequence),
      frames(0, 20),
    );
    assert.equal(new Set(events.map((e) => e.eventId)).size, events.length, 'no event stored twice');
    assert.ok(events.some((e) => e.type === TrackEventType.TRACK_EVENT_TYPE_ENDED));

    // Forget every acknowledgement: the whole camera is delivered again from sequence 0.
    await deleteDurable(nats, `tracking-${CAMERA}`);
    svc = await startTracking(server, { VA_TRACKING_TRACK_BUFFER: '2' });
    try {
      await waitFor(
        async () => (await metricValue(svc.httpPort, 'va_tracking_frames_processed_total', { camera: CAMERA })) === 20,
        { what: 'replay' },
      );
      await sleep(500);
      const replayedUpdates = await storedUpdates(nats, CAMERA);
      const replayedEvents = await storedEvents(nats, CAMERA);
      assert.equal(replayedUpdates.length, 20, 'TrackUpdates de-duplicated by msgID');
      assert.deepEqual(
        replayedEvents.map((e) => e.eventId),
        events.map((e) => e.eventId),
        'events de-duplicated: the replay produced the same ids',
      );
    } finally {
      assert.equal(await svc.proc.stop(), 0);
    }
  });
});
