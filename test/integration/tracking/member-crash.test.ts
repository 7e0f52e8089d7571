import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnectionHandle } from '@va/common';
import { startNatsServer, type TestNatsServer } from '../../helpers/nats-server.js';
import { waitFor } from '../../helpers/ports.js';
import { connectTestNats, metricValue, startTracking, storedUpdates, type TrackingProcess } from '../../helpers/tracking.js';
import { assertCameraHistory, DetectionFeed, waitForAllUpdates, waitForOwnership, type Ownership } from '../../helpers/tracking-membership.js';

const CAMERAS = Array.from({ length: 12 }, (_, i) => `lobby-${i}`);

// The ack wait stays long (the default 30 s): the survivor must not depend on the dead
// instance's unacknowledged frames being redelivered by time-out to get them back in order.
const member = (id: string) => ({
  VA_TRACKING_MEMBERSHIP: 'dynamic',
  VA_TRACKING_MEMBER_ID: id,
  VA_TRACKING_MEMBER_TTL_MS: '3000',
  VA_TRACKING_MEMBERSHIP_SETTLE_MS: '1000',
  VA_TRACKING_LEASE_TTL_MS: '3000',
});

describe('dynamic membership: a crashed instance is expired and its cameras move (real NATS, real processes)', () => {
  let server: TestNatsServer;
  let nats: NatsConnectionHandle;
  let feed: DetectionFeed;
  let a: TrackingProcess | undefined;
  let b: TrackingProcess | undefined;
  let split: Ownership;

  before(async () => {
    server = await startNatsServer();
    nats = await connectTestNats(server);
    feed = new DetectionFeed(nats, CAMERAS);
  });
  after(async () => {
    await feed?.stop();
    await Promise.all([a?.proc.stop(), b?.proc.stop()]);
    await nats?.close();
    await server?.dispose();
  });

  it('after SIGKILL, the survivor takes the dead instance\'s cameras once its membership and leases expire, and resumes each where it stopped', async () => {
    [a, b] = await Promise.all([startTracking(server, member('tracking-a')), startTracking(server, member('tracking-b'))]);
    await waitForOwnership([a, b], [], ['tracking-a', 'tracking-b']);
    feed.start();
    split = await waitForOwnership([a, b], CAMERAS, ['tracking-a', 'tracking-b']);
    const orphaned = CAMERAS.filter((c) => split.get(c) === 'tracking-b');
    assert.ok(orphaned.length > 0);
    const seen = feed.published;
    await waitFor(async () => (await storedUpdates(nats, orphaned[0] as string)).length > seen + 5, { timeoutMs: 30_000, what: 'b tracking' });
    // b hangs first (its pull requests stay open, so frames keep being delivered to it and are
    // never acknowledged), then dies: the way a wedged pod ends when its liveness probe fails.
    b.proc.kill('SIGSTOP');
    await waitFor(async () => (await nats.jsm.consumers.info('VA_DETECTIONS', `tracking-${orphaned[0]}`)).num_ack_pending >= 3, { timeoutMs: 30_000, what: 'frames delivered to the hung instance' });
    b.proc.kill('SIGKILL');
    assert.equal(await b.proc.exited, 137);
    b = undefined;
    // No graceful leave: a hears no more heartbeats, expires b after the TTL, settles, and takes
    // each camera once b's lease has expired too.
    await waitForOwnership([a], CAMERAS, ['tracking-a']);
    assert.ok((await metricValue(a.httpPort, 'va_tracking_members_expired_total')) >= 1, 'b was expired, not seen leaving');

    const frames = await feed.stop();
    await waitForAllUpdates(nats, CAMERAS, frames);
    assert.equal(await a.proc.stop(), 0);
    a = undefined;
    // b's sessions end where b stopped (a ends b's tracks for it, with b's own event ids); a's
    // sessions continue from the next frame: nothing lost, repeated or reordered.
    for (const camera of CAMERAS) await assertCameraHistory(nats, camera, frames, orphaned.includes(camera) ? 2 : 1);
  });
});
