import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnectionHandle } from '@va/common';
import { startNatsServer, type TestNatsServer } from '../../helpers/nats-server.js';
import { connectTestNats, listCameras, startTracking, type TrackingProcess } from '../../helpers/tracking.js';
import { assertCameraHistory, DetectionFeed, waitForAllUpdates, waitForOwnership, type Ownership } from '../../helpers/tracking-membership.js';

const CAMERAS = Array.from({ length: 12 }, (_, i) => `lobby-${i}`);

/** Short TTLs and settle time so the test moves quickly; the mechanics are the production ones. */
const member = (id: string) => ({
  VA_TRACKING_MEMBERSHIP: 'dynamic',
  VA_TRACKING_MEMBER_ID: id,
  VA_TRACKING_MEMBER_TTL_MS: '3000',
  VA_TRACKING_MEMBERSHIP_SETTLE_MS: '1000',
  VA_TRACKING_LEASE_TTL_MS: '3000',
});

describe('dynamic membership: instances join and leave while detections flow (real NATS, real processes)', () => {
  let server: TestNatsServer;
  let nats: NatsConnectionHandle;
  let feed: DetectionFeed;
  const running = new Map<string, TrackingProcess>();
  /** How many times each camera changed owner. */
  const moves = new Map<string, number>(CAMERAS.map((c) => [c, 0]));
  let owners: Ownership = new Map();

  const instances = () => [...running.values()];
  const record = (next: Ownership) => {
    for (const c of CAMERAS) if (owners.has(c) && owners.get(c) !== next.get(c)) moves.set(c, (moves.get(c) ?? 0) + 1);
    owners = next;
  };

  before(async () => {
    server = await startNatsServer();
    nats = await connectTestNats(server);
    feed = new DetectionFeed(nats, CAMERAS);
  });
  after(async () => {
    await feed?.stop();
    await Promise.all(instances().map((s) => s.proc.stop()));
    await nats?.close();
    await server?.dispose();
  });

  it('two instances register themselves and split the cameras by rendezvous hashing over their member ids', async () => {
    const [a, b] = await Promise.all([startTracking(server, member('tracking-a')), startTracking(server, member('tracking-b'))]);
    running.set('tracking-a', a).set('tracking-b', b);
    // Both see both before any camera exists, so each camera starts where it belongs.
    await waitForOwnership(instances(), [], ['tracking-a', 'tracking-b']);
    feed.start();
    record(await waitForOwnership(instances(), CAMERAS, ['tracking-a', 'tracking-b']));
    const view = await listCameras(a);
    assert.equal(view.membership, 'dynamic');
    assert.deepEqual(view.members, ['tracking-a', 'tracking-b']);
    assert.ok(view.cameras.length > 0 && view.cameras.length < CAMERAS.length, 'both have work');
  });

  it('a third instance joins and takes about a third of the cameras, each from its old owner', async () => {
    const before = owners;
    running.set('tracking-c', await startTracking(server, member('tracking-c')));
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
    const b = running.get('tracking-b') as TrackingProcess;
    assert.equal(await b.proc.stop(), 0);
    running.delete('tracking-b');
    record(await waitForOwnership(instances(), CAMERAS, ['tracking-a', 'tracking-c']));
    assert.deepEqual(
      CAMERAS.filter((c) => before.get(c) !== owners.get(c)),
      CAMERAS.filter((c) => before.get(c) === 'tracking-b'),
      'only the cameras of the instance that left move',
    );
    const frames = await feed.stop();
    await waitForAllUpdates(nats, CAMERAS, frames);
  });

  it('across every hand-over each camera was tracked by one instance at a time: every frame once, in order, sessions one after another', async () => {
    // Stopping the rest ends their tracks, so every track's end can be checked.
    for (const svc of instances()) assert.equal(await svc.proc.stop(), 0);
    running.clear();
    const moved = [...moves.values()].reduce((sum, n) => sum + n, 0);
    assert.ok(moved >= 4, `hand-overs happened: ${JSON.stringify([...moves])}`);
    for (const camera of CAMERAS) await assertCameraHistory(nats, camera, feed.published, 1 + (moves.get(camera) ?? 0));
  });
});
