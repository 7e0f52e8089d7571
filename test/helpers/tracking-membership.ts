import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { NatsConnectionHandle } from '@va/common';
import { TrackEventType, type TrackUpdate } from '@va/proto/va/common/v1/track';
import { rendezvousOwner } from '@va/tracking/partitioning';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { sleep, waitFor } from '@va/harness/ports';
import {
  batch,
  connectTestNats,
  listCameras,
  person,
  publishBatch,
  startTracking,
  storedEvents,
  storedUpdates,
  type TrackingProcess,
} from '@va/harness/tracking-service';

/** The 12 cameras the membership tests spread over their instances. */
export const MEMBERSHIP_CAMERAS = Array.from({ length: 12 }, (_, i) => `lobby-${i}`);

/**
 * Environment of a dynamic member with short member TTL, settle time and lease TTL, so the tests
 * move quickly; the mechanics are the production ones. The ack wait stays at its default (30 s):
 * nothing may depend on unacknowledged frames coming back by time-out.
 */
export const dynamicMember = (id: string): Record<string, string> => ({
  VA_TRACKING_MEMBERSHIP: 'dynamic',
  VA_TRACKING_MEMBER_ID: id,
  VA_TRACKING_MEMBER_TTL_MS: '3000',
  VA_TRACKING_MEMBERSHIP_SETTLE_MS: '1000',
  VA_TRACKING_LEASE_TTL_MS: '3000',
});

/**
 * Detections for a set of cameras, one frame per camera every `intervalMs` (sequences 0, 1, 2...
 * per camera), one person walking back and forth, until stopped: the traffic that keeps flowing
 * while tracking instances join, leave and crash.
 */
export class DetectionFeed {
  private next = 0;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly nats: NatsConnectionHandle,
    readonly cameras: readonly string[],
    private readonly intervalMs = 200,
  ) {}

  /** Frames published per camera so far (sequences 0 .. published - 1). */
  get published(): number {
    return this.next;
  }

  start(): void {
    this.running = (async () => {
      while (!this.stopping) {
        const q = this.next;
        const cx = 200 + Math.abs(((4 * q) % 1600) - 800); // 200..1000 px and back, 4 px a frame
        for (const camera of this.cameras) await publishBatch(this.nats, batch(camera, q, [person(cx, 360)]));
        this.next = q + 1;
        await sleep(this.intervalMs);
      }
    })();
  }

  /** Stops publishing; resolves with the number of frames published per camera. */
  async stop(): Promise<number> {
    this.stopping = true;
    await this.running;
    return this.next;
  }
}

export interface MembershipFixture {
  server: TestNatsServer;
  nats: NatsConnectionHandle;
  /** Detections for MEMBERSHIP_CAMERAS; started by the test. */
  feed: DetectionFeed;
  /** The instances still running, by member id. */
  running: Map<string, TrackingProcess>;
  /** Starts a dynamic member (dynamicMember(id)) and adds it to `running`. */
  start(id: string): Promise<TrackingProcess>;
}

/**
 * For one test file: a real nats-server, a connection with the streams and a detection feed;
 * afterwards the feed and every instance still in `running` are stopped and the server deleted.
 */
export function useMembershipFixture(): MembershipFixture {
  const fixture = {
    running: new Map<string, TrackingProcess>(),
    start: async (id: string) => {
      const svc = await startTracking(fixture.server, dynamicMember(id));
      fixture.running.set(id, svc);
      return svc;
    },
  } as MembershipFixture;
  before(async () => {
    fixture.server = await startNatsServer();
    fixture.nats = await connectTestNats(fixture.server);
    fixture.feed = new DetectionFeed(fixture.nats, MEMBERSHIP_CAMERAS);
  });
  after(async () => {
    await fixture.feed?.stop();
    await Promise.all([...fixture.running.values()].map((s) => s.proc.stop()));
    await fixture.nats?.close();
    await fixture.server?.dispose();
  });
  return fixture;
}

export type Ownership = Map<string, string>;

/** camera -> member id, as the instances report it (ListCameras); fails if two report one camera. */
export async function ownership(instances: TrackingProcess[]): Promise<Ownership> {
  const owners: Ownership = new Map();
  for (const svc of instances) {
    const listed = await listCameras(svc);
    for (const c of listed.cameras) {
      assert.ok(!owners.has(c.cameraId), `${c.cameraId} listed by ${owners.get(c.cameraId)} and ${listed.memberId}`);
      owners.set(c.cameraId, listed.memberId);
    }
  }
  return owners;
}

/** camera -> rendezvous owner among `members`. */
export function expectedOwnership(cameras: readonly string[], members: string[]): Ownership {
  return new Map(cameras.map((c) => [c, rendezvousOwner(c, members) as string]));
}

/**
 * Waits until every instance applies exactly `members` and the cameras are tracked where
 * rendezvous hashing over them puts them; returns that ownership.
 */
export async function waitForOwnership(
  instances: TrackingProcess[],
  cameras: readonly string[],
  members: string[],
  timeoutMs = 60_000,
): Promise<Ownership> {
  const want = expectedOwnership(cameras, members);
  const sorted = [...members].sort();
  let last = '';
  await waitFor(
    async () => {
      const views = await Promise.all(instances.map((s) => listCameras(s)));
      const have = await ownership(instances);
      last = JSON.stringify({ views: views.map((v) => [v.memberId, v.members]), have: [...have] });
      return (
        views.every((v) => JSON.stringify(v.members) === JSON.stringify(sorted)) &&
        cameras.every((c) => have.get(c) === want.get(c))
      );
    },
    { timeoutMs, intervalMs: 200, what: `cameras tracked by rendezvous over ${members.join(', ')}` },
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}; last seen ${last}`);
  });
  return want;
}

/** Waits until every camera has `count` TrackUpdates stored. */
export async function waitForAllUpdates(
  nats: NatsConnectionHandle,
  cameras: readonly string[],
  count: number,
  timeoutMs = 60_000,
): Promise<void> {
  const behind = new Map<string, number>();
  await waitFor(
    async () => {
      behind.clear();
      for (const camera of cameras) {
        const n = (await storedUpdates(nats, camera)).length;
        if (n < count) behind.set(camera, n);
      }
      return behind.size === 0;
    },
    { timeoutMs, intervalMs: 250, what: `${count} TrackUpdates for every camera` },
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}; behind: ${JSON.stringify([...behind])}`);
  });
}

/** The tracker session a track id belongs to ("<session>-<n>"). */
export const sessionOf = (trackId: string) => trackId.slice(0, trackId.lastIndexOf('-'));

/**
 * The stored output of one camera after hand-overs, checked for what exclusive, ordered
 * consumption guarantees: one TrackUpdate per published frame, in order, none missing or
 * repeated; tracker sessions (one per owner in turn) that follow each other and never interleave,
 * `sessions` of them; every track ended exactly once, at the end of its session, with reason
 * handover (the old owner's, or the same event written by the new owner after a crash).
 * Call it once every instance has stopped gracefully, so the last session has ended too.
 */
export async function assertCameraHistory(
  nats: NatsConnectionHandle,
  camera: string,
  frames: number,
  sessions: number,
): Promise<void> {
  const updates: TrackUpdate[] = await storedUpdates(nats, camera);
  assert.deepEqual(
    updates.map((u) => u.sequence),
    Array.from({ length: frames }, (_, q) => q),
    `${camera}: one TrackUpdate per frame, in order, none missing or repeated`,
  );
  const runs: Array<{ session: string; from: number; to: number }> = [];
  for (const u of updates) {
    const tags = [...new Set(u.tracks.map((t) => sessionOf(t.trackId)))];
    assert.equal(tags.length, 1, `${camera} frame ${u.sequence}: the tracks of one session (${tags.join(', ')})`);
    const tag = tags[0] as string;
    const run = runs.at(-1);
    if (run?.session === tag) run.to = u.sequence;
    else runs.push({ session: tag, from: u.sequence, to: u.sequence });
  }
  assert.equal(
    new Set(runs.map((r) => r.session)).size,
    runs.length,
    `${camera}: a session never resumes after another one (no two owners at once): ${JSON.stringify(runs)}`,
  );
  assert.equal(runs.length, sessions, `${camera}: one session per owner in turn: ${JSON.stringify(runs)}`);

  const ended = (await storedEvents(nats, camera)).filter((e) => e.type === TrackEventType.TRACK_EVENT_TYPE_ENDED);
  const trackIds = [...new Set(updates.flatMap((u) => u.tracks.map((t) => t.trackId)))];
  for (const id of trackIds) {
    const ends = ended.filter((e) => e.trackId === id);
    const run = runs.find((r) => r.session === sessionOf(id));
    assert.deepEqual(
      ends.map((e) => [e.reason, Number(e.sequence)]),
      [['handover', run?.to]],
      `${camera} track ${id}: ended once, when its owner handed the camera over`,
    );
  }
}
