import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnectionHandle } from '@va/common';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { ownerOf } from '@va/tracking/partitioning';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';
import {
  batch,
  connectTestNats,
  ownedBy,
  person,
  publishBatch,
  startTracking,
  storedEvents,
  storedUpdates,
  type TrackingProcess,
} from '@va/harness/tracking-service';

const CAMERAS = Array.from({ length: 8 }, (_, i) => `cam-${i}`);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

async function publishFrames(nats: NatsConnectionHandle, from: number, to: number): Promise<void> {
  for (const q of range(from, to))
    for (const camera of CAMERAS) await publishBatch(nats, batch(camera, q, [person(100 + 10 * q, 300)]));
}

async function allProcessed(nats: NatsConnectionHandle, count: number): Promise<boolean> {
  for (const camera of CAMERAS) if ((await storedUpdates(nats, camera)).length < count) return false;
  return true;
}

const STATIC = { VA_TRACKING_MEMBERSHIP: 'static' };

describe('cameras partitioned across two tracking instances with static partitions (real NATS, real processes)', () => {
  let server: TestNatsServer;
  let nats: NatsConnectionHandle;
  const running: TrackingProcess[] = [];
  before(async () => {
    server = await startNatsServer();
    nats = await connectTestNats(server);
  });
  after(async () => {
    await Promise.all(running.map((s) => s.proc.stop()));
    await nats?.close();
    await server?.dispose();
  });

  it('two instances split the cameras by the partition function; each camera is tracked by one, in order', async () => {
    const a = await startTracking(server, {
      ...STATIC,
      VA_TRACKING_PARTITION_INDEX: '0',
      VA_TRACKING_PARTITION_COUNT: '2',
    });
    const b = await startTracking(server, {
      ...STATIC,
      VA_TRACKING_PARTITION_INDEX: '1',
      VA_TRACKING_PARTITION_COUNT: '2',
    });
    running.push(a, b);
    await publishFrames(nats, 0, 15);
    await waitFor(() => allProcessed(nats, 15), { timeoutMs: 30_000, what: 'every camera tracked' });

    const ownedA = await ownedBy(a);
    const ownedB = await ownedBy(b);
    assert.deepEqual(
      ownedA,
      CAMERAS.filter((c) => ownerOf(c, 2) === 0),
    );
    assert.deepEqual(
      ownedB,
      CAMERAS.filter((c) => ownerOf(c, 2) === 1),
    );
    assert.ok(ownedA.length > 0 && ownedB.length > 0, 'both instances have work');
    for (const camera of CAMERAS) {
      const updates = await storedUpdates(nats, camera);
      assert.deepEqual(
        updates.map((u) => u.sequence),
        range(0, 15),
        `${camera} in order, each frame once`,
      );
      assert.equal(new Set(updates.flatMap((u) => u.tracks.map((t) => t.trackId))).size, 1);
    }
  });

  it('a camera handed to another instance resumes after its last acknowledged frame with fresh tracks; a held lease is respected', async () => {
    const [a, b] = running as [TrackingProcess, TrackingProcess];
    const movedCameras = await ownedBy(b);
    const stayingCameras = await ownedBy(a);
    assert.equal(await b.proc.stop(), 0);
    running.splice(running.indexOf(b), 1);
    // b ended its tracks on the way out.
    for (const camera of movedCameras) {
      const ended = (await storedEvents(nats, camera)).filter((e) => e.type === TrackEventType.TRACK_EVENT_TYPE_ENDED);
      assert.deepEqual(
        ended.map((e) => [e.reason, e.sequence]),
        [['handover', 14]],
      );
    }

    // A single-instance deployment starts while a still runs: by partition it owns every camera,
    // but a's cameras are leased to a, so it only takes b's.
    const c = await startTracking(server, {
      ...STATIC,
      VA_TRACKING_PARTITION_INDEX: '0',
      VA_TRACKING_PARTITION_COUNT: '1',
    });
    running.push(c);
    await publishFrames(nats, 15, 25);
    await waitFor(() => allProcessed(nats, 25), { timeoutMs: 30_000, what: 'every camera continues' });
    assert.deepEqual(await ownedBy(c), movedCameras);
    assert.deepEqual(await ownedBy(a), stayingCameras);
    for (const camera of CAMERAS) {
      const updates = await storedUpdates(nats, camera);
      assert.deepEqual(
        updates.map((u) => u.sequence),
        range(0, 25),
        `${camera}: nothing lost or repeated across the hand-over`,
      );
      const ids = (q: number) => updates[q]!.tracks.map((t) => t.trackId);
      if (movedCameras.includes(camera)) {
        assert.notDeepEqual(ids(15), ids(14), 'state restarted: new track ids');
        // c also ended b's tracks when it took over (they could have been left by a crash); the
        // event ids equal b's own, so each track still has exactly one ENDED event.
        const ended = (await storedEvents(nats, camera)).filter(
          (e) => e.type === TrackEventType.TRACK_EVENT_TYPE_ENDED,
        );
        assert.deepEqual(
          ended.map((e) => [e.reason, e.sequence]),
          [['handover', 14]],
        );
      } else assert.deepEqual(ids(24), ids(0), 'untouched cameras keep their tracks');
    }
  });
});
