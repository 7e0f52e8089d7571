import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listCameras, type TrackingProcess } from '@va/harness/tracking-service';
import {
  assertCameraHistory,
  MEMBERSHIP_CAMERAS as CAMERAS,
  useMembershipFixture,
  waitForAllUpdates,
  waitForOwnership,
  type Ownership,
} from '../../helpers/tracking-membership.js';

describe('dynamic membership: instances join and leave while detections flow (real NATS, real processes)', () => {
  const f = useMembershipFixture();
  /** How many times each camera changed owner. */
  const moves = new Map<string, number>(CAMERAS.map((c) => [c, 0]));
  let owners: Ownership = new Map();

  const instances = () => [...f.running.values()];
  const record = (next: Ownership) => {
    for (const c of CAMERAS) if (owners.has(c) && owners.get(c) !== next.get(c)) moves.set(c, (moves.get(c) ?? 0) + 1);
    owners = next;
  };

  it('one instance registers itself and tracks every camera', async () => {
    const a = await f.start('tracking-a');
    f.feed.start();
    record(await waitForOwnership(instances(), CAMERAS, ['tracking-a']));
    const view = await listCameras(a);
    assert.equal(view.membership, 'dynamic');
    assert.equal(view.memberId, 'tracking-a');
    assert.deepEqual(view.members, ['tracking-a']);
    assert.equal(view.cameras.length, CAMERAS.length);
  });

  it('a second instance joins and takes over part of the cameras, each from the first', async () => {
    await f.start('tracking-b');
    record(await waitForOwnership(instances(), CAMERAS, ['tracking-a', 'tracking-b']));
    const taken = CAMERAS.filter((c) => owners.get(c) === 'tracking-b');
    assert.ok(
      taken.length > 0 && taken.length < CAMERAS.length,
      `tracking-b took ${taken.length} of ${CAMERAS.length}`,
    );
    assert.deepEqual((await listCameras(f.running.get('tracking-a') as TrackingProcess)).members, [
      'tracking-a',
      'tracking-b',
    ]);
  });

  it('a third instance joins and takes about a third of the cameras, each from its old owner', async () => {
    const before = owners;
    await f.start('tracking-c');
    record(await waitForOwnership(instances(), CAMERAS, ['tracking-a', 'tracking-b', 'tracking-c']));
    const taken = CAMERAS.filter((c) => owners.get(c) === 'tracking-c');
    assert.ok(taken.length >= 2 && taken.length <= 6, `tracking-c took ${taken.length} of ${CAMERAS.length}`);
    assert.deepEqual(
      CAMERAS.filter((c) => before.get(c) !== owners.get(c)),
      taken,
      'only the cameras the new member takes move',
    );
  });

  it('an instance stopped gracefully leaves, and the others take its cameras over', async () => {
    const before = owners;
    const b = f.running.get('tracking-b') as TrackingProcess;
    assert.equal(await b.proc.stop(), 0);
    f.running.delete('tracking-b');
    record(await waitForOwnership(instances(), CAMERAS, ['tracking-a', 'tracking-c']));
    assert.deepEqual(
      CAMERAS.filter((c) => before.get(c) !== owners.get(c)),
      CAMERAS.filter((c) => before.get(c) === 'tracking-b'),
      'only the cameras of the instance that left move',
    );
    const frames = await f.feed.stop();
    await waitForAllUpdates(f.nats, CAMERAS, frames);
  });

  it('across every hand-over each camera was tracked by one instance at a time: every frame once, in order, sessions one after another', async () => {
    // Stopping the rest ends their tracks, so every track's end can be checked.
    for (const svc of instances()) assert.equal(await svc.proc.stop(), 0);
    f.running.clear();
    const moved = [...moves.values()].reduce((sum, n) => sum + n, 0);
    assert.ok(moved >= 4, `hand-overs happened: ${JSON.stringify([...moves])}`);
    for (const camera of CAMERAS)
      await assertCameraHistory(f.nats, camera, f.feed.published, 1 + (moves.get(camera) ?? 0));
  });
});
