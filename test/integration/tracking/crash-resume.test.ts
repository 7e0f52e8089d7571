import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnectionHandle } from '@va/common';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';
import {
  batch,
  connectTestNats,
  metricValue,
  person,
  publishBatch,
  startTracking,
  storedUpdates,
  waitForUpdates,
} from '@va/harness/tracking-service';

const CAMERA = 'gate-9';
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
const walker = (q: number) => [person(200 + 8 * q, 300)];
/** Short lease and ack wait so the test does not wait for the defaults (10 s, 30 s). */
const FAST = { VA_TRACKING_LEASE_TTL_MS: '2000', VA_TRACKING_ACK_WAIT_MS: '4000' };

describe('tracking killed (SIGKILL) with frames in hand resumes without losing them', () => {
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

  it('frames the dead instance held are redelivered and tracked before the newer ones', async () => {
    // Frames 0-9 tracked; 11-15 arrive while 10 is missing, so they wait in the reorder window
    // (a long gap timeout keeps them there): pulled, not acknowledged, when the process dies.
    const first = await startTracking(server, { ...FAST, VA_TRACKING_GAP_TIMEOUT_MS: '600000' });
    for (const q of range(0, 10)) await publishBatch(nats, batch(CAMERA, q, walker(q)));
    await waitForUpdates(nats, CAMERA, 10);
    for (const q of range(11, 16)) await publishBatch(nats, batch(CAMERA, q, walker(q)));
    await waitFor(
      async () => (await metricValue(first.httpPort, 'va_tracking_reorder_depth_frames', { camera: CAMERA })) === 5,
      { what: 'frames 11-15 held' },
    );
    first.proc.kill('SIGKILL');
    await first.proc.exited;

    // The missing frame and newer ones arrive while nobody tracks the camera. The new instance
    // gets 10 and 16-20 at once, 11-15 only when their ack wait expires.
    for (const q of [10, ...range(16, 21)]) await publishBatch(nats, batch(CAMERA, q, walker(q)));
    const second = await startTracking(server, { ...FAST, VA_TRACKING_GAP_TIMEOUT_MS: '300' });
    try {
      const updates = await waitForUpdates(nats, CAMERA, 21, 60_000);
      assert.deepEqual(
        updates.map((u) => u.sequence),
        range(0, 21),
        'one TrackUpdate per frame, in frame order',
      );
      await waitFor(
        async () => (await nats.jsm.consumers.info('VA_DETECTIONS', `tracking-${CAMERA}`)).num_ack_pending === 0,
        { what: 'every frame acknowledged' },
      );
      assert.equal(
        await metricValue(second.httpPort, 'va_tracking_late_frames_total', { camera: CAMERA }),
        0,
        'no frame dropped as late',
      );
      assert.equal((await storedUpdates(nats, CAMERA)).length, 21);
      const ids = new Set(updates.slice(11).flatMap((u) => u.tracks.map((t) => t.trackId)));
      assert.equal(ids.size, 1, 'the walker keeps one identity across the held frames');
    } finally {
      assert.equal(await second.proc.stop(), 0);
    }
  });
});
