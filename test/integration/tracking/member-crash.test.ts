import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '@va/harness/ports';
import { metricValue, storedUpdates } from '@va/harness/tracking-service';
import {
  assertCameraHistory,
  MEMBERSHIP_CAMERAS as CAMERAS,
  useMembershipFixture,
  waitForAllUpdates,
  waitForOwnership,
} from '../../helpers/tracking-membership.js';

describe('dynamic membership: a crashed instance is expired and its cameras move (real NATS, real processes)', () => {
  const f = useMembershipFixture();

  it("after SIGKILL, the survivor takes the dead instance's cameras once its membership and leases expire, and resumes each where it stopped", async () => {
    const [a, b] = await Promise.all([f.start('tracking-a'), f.start('tracking-b')]);
    await waitForOwnership([a, b], [], ['tracking-a', 'tracking-b']);
    f.feed.start();
    const split = await waitForOwnership([a, b], CAMERAS, ['tracking-a', 'tracking-b']);
    const orphaned = CAMERAS.filter((c) => split.get(c) === 'tracking-b');
    assert.ok(orphaned.length > 0);
    const seen = f.feed.published;
    await waitFor(async () => (await storedUpdates(f.nats, orphaned[0] as string)).length > seen + 5, {
      timeoutMs: 30_000,
      what: 'b tracking',
    });
    // b hangs first (its pull requests stay open, so frames keep being delivered to it and are
    // never acknowledged), then dies: the way a wedged pod ends when its liveness probe fails.
    // The ack wait is the default 30 s: a must not need those frames to time out to get them back.
    b.proc.kill('SIGSTOP');
    await waitFor(
      async () => (await f.nats.jsm.consumers.info('VA_DETECTIONS', `tracking-${orphaned[0]}`)).num_ack_pending >= 3,
      { timeoutMs: 30_000, what: 'frames delivered to the hung instance' },
    );
    b.proc.kill('SIGKILL');
    assert.equal(await b.proc.exited, 137);
    f.running.delete('tracking-b');
    // No graceful leave: a hears no more heartbeats, expires b after the TTL, settles, and takes
    // each camera once b's lease has expired too.
    await waitForOwnership([a], CAMERAS, ['tracking-a']);
    assert.ok(
      (await metricValue(a.httpPort, 'va_tracking_members_expired_total')) >= 1,
      'b was expired, not seen leaving',
    );

    const frames = await f.feed.stop();
    await waitForAllUpdates(f.nats, CAMERAS, frames);
    assert.equal(await a.proc.stop(), 0);
    f.running.delete('tracking-a');
    // b's sessions end where b stopped (a ends b's tracks for it, with b's own event ids); a's
    // sessions continue from the next frame: nothing lost, repeated or reordered.
    for (const camera of CAMERAS) await assertCameraHistory(f.nats, camera, frames, orphaned.includes(camera) ? 2 : 1);
  });
});
