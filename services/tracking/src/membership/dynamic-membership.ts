import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { KV, KvEntry } from 'nats';
import { errorMessage, openKvBucket, type Logger, type NatsConnectionHandle } from '@va/common';
import { TrackingMember } from '@va/proto/va/tracking/v1/tracking';
import type { TrackingMetrics } from '../metrics.js';
import type { Membership } from './membership.js';
import { MembershipView } from './membership-view.js';

export interface DynamicMembershipOptions {
  bucket: string;
  /** VA_JS_REPLICAS. */
  replicas: number;
  memberId: string;
  ttlMs: number;
  settleMs: number;
  log: Logger;
  metrics: TrackingMetrics;
}

/** Beyond the settle time, churn delays a change at most this many settle times. */
const MAX_SETTLE_FACTOR = 6;
/** Own heartbeats written but not seen back on the watch before the watch is restarted. */
const UNSEEN_HEARTBEATS_BEFORE_REWATCH = 3;

/**
 * Dynamic membership (VA_TRACKING_MEMBERSHIP=dynamic): every instance registers itself in a NATS
 * KV bucket under its member id and rewrites the entry every third of the TTL (the heartbeat);
 * it watches the bucket, so it hears every member's heartbeats, joins and graceful leaves (the
 * entry deleted), and expires a member it has not heard for a TTL (a crash). The bucket's max age
 * is the TTL too, so the server drops a crashed member's entry and an instance that starts later
 * never sees it; nats-server 2.9 has no per-entry TTL, and the expiry that matters is each
 * watcher's own (MembershipView), on its own monotonic clock.
 *
 * The view cameras are partitioned over changes only after the members have been stable for the
 * settle time (MembershipView); then `onChange` runs and the supervisor moves the cameras that
 * changed owner, through the per-camera leases.
 */
export class DynamicMembership implements Membership {
  readonly mode = 'dynamic';
  readonly memberId: string;
  onChange: () => void = () => {};
  private readonly view: MembershipView;
  private readonly instanceId = randomUUID();
  private readonly startedTsMs = Date.now();
  private readonly heartbeatMs: number;
  private readonly tickMs: number;
  private readonly log: Logger;
  private watcher: { stop(): void } | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private unseenHeartbeats = 0;
  private readonly impostors = new Set<string>();
  private beating = false;
  private leaving = false;

  private constructor(
    private readonly nats: NatsConnectionHandle,
    private readonly kv: KV,
    private readonly options: DynamicMembershipOptions,
  ) {
    this.memberId = options.memberId;
    this.heartbeatMs = Math.max(100, Math.floor(options.ttlMs / 3));
    this.tickMs = Math.min(
      1_000,
      Math.max(50, Math.floor(Math.min(options.ttlMs, options.settleMs || options.ttlMs) / 10)),
    );
    this.view = new MembershipView(options.memberId, {
      ttlMs: options.ttlMs,
      settleMs: options.settleMs,
      maxSettleMs: options.settleMs * MAX_SETTLE_FACTOR,
    });
    this.log = options.log.child({ component: 'membership', memberId: options.memberId });
  }

  static async open(nats: NatsConnectionHandle, options: DynamicMembershipOptions): Promise<DynamicMembership> {
    // max_age = TTL: the server forgets a crashed member's entry after one TTL.
    const kv = await openKvBucket(nats, options.bucket, options.replicas, { ttlMs: options.ttlMs, history: 1 });
    return new DynamicMembership(nats, kv, options);
  }

  members(): readonly string[] {
    return this.view.current;
  }

  /** Registers this instance, reads who else is there and applies that view at once. */
  async join(): Promise<void> {
    await this.kv.put(this.memberId, this.entry());
    await this.watch();
    const members = this.view.applyNow();
    this.options.metrics.members.set(members.length);
    this.log.info(
      { members, ttlMs: this.options.ttlMs, settleMs: this.options.settleMs },
      'joined the tracking members',
    );
    this.lastTick = performance.now();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    this.heartbeatTimer.unref();
    this.tickTimer = setInterval(() => this.tick(), this.tickMs);
    this.tickTimer.unref();
  }

  /** Deletes this instance's entry, so the others move its cameras without waiting for the TTL. */
  async leave(): Promise<void> {
    if (this.leaving) return;
    this.leaving = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.tickTimer);
    this.watcher?.stop();
    try {
      await this.kv.delete(this.memberId);
      this.log.info('left the tracking members');
    } catch (err) {
      this.log.warn({ error: errorMessage(err) }, 'could not delete the membership entry; the others will expire it');
    }
  }

  private entry(): Uint8Array {
    return TrackingMember.encode(
      TrackingMember.fromPartial({
        memberId: this.memberId,
        instanceId: this.instanceId,
        host: hostname(),
        startedTsMs: this.startedTsMs,
        heartbeatTsMs: Date.now(),
      }),
    ).finish();
  }

  private async heartbeat(): Promise<void> {
    if (this.beating || this.leaving) return;
    this.beating = true;
    try {
      await this.kv.put(this.memberId, this.entry());
      // Our own heartbeats come back on the watch; when they stop coming, the watch is broken
      // (it would otherwise go on hearing nobody and expire everyone).
      if (++this.unseenHeartbeats >= UNSEEN_HEARTBEATS_BEFORE_REWATCH) {
        this.log.warn(
          { unseenHeartbeats: this.unseenHeartbeats },
          'own heartbeats not seen on the membership watch; restarting it',
        );
        this.watcher?.stop();
        await this.watch();
      }
    } catch (err) {
      this.log.warn({ error: errorMessage(err) }, 'membership heartbeat failed; retrying');
    } finally {
      this.beating = false;
    }
  }

  /** Follows the bucket; resolves once the entries present now have been read. */
  private async watch(): Promise<void> {
    this.unseenHeartbeats = 0;
    let initialized!: () => void;
    const loaded = new Promise<void>((resolve) => (initialized = resolve));
    const iter = await this.kv.watch({ key: '>', initializedFn: () => initialized() });
    if (this.leaving) {
      // leave() ran while a heartbeat restarted the watch: it stopped the old one, not this one.
      iter.stop();
      return;
    }
    this.watcher = iter;
    void (async () => {
      for await (const entry of iter) this.onEntry(entry);
    })().catch((err: unknown) => this.log.error({ error: errorMessage(err) }, 'membership watch ended'));
    await loaded;
  }

  private onEntry(entry: KvEntry): void {
    const now = performance.now();
    if (entry.key !== this.memberId) {
      if (entry.operation === 'PUT') this.view.heard(entry.key, now);
      else this.view.left(entry.key, now);
      return;
    }
    if (entry.operation !== 'PUT') return; // our entry deleted (by an operator?): the next heartbeat restores it
    this.unseenHeartbeats = 0;
    const instance = decodeInstance(entry.value);
    if (instance && instance !== this.instanceId && !this.impostors.has(instance)) {
      // Leases still keep each camera on one instance, but the two split nothing between them.
      this.impostors.add(instance);
      this.log.error(
        { otherInstance: instance },
        'another process registers with this member id; give each instance its own VA_TRACKING_MEMBER_ID',
      );
    }
  }

  private tick(): void {
    if (this.leaving) return;
    const now = performance.now();
    const elapsed = now - this.lastTick;
    this.lastTick = now;
    // Time in which we could hear nothing is nobody else's fault: it does not count towards their
    // TTL. A stalled event loop runs this timer before it reads the heartbeats that queued up.
    if (!this.nats.isConnected || elapsed > this.tickMs + this.heartbeatMs) {
      this.view.pause(elapsed);
      return;
    }
    const gone = this.view.expire(now);
    if (gone.length > 0) {
      this.options.metrics.membersExpired.inc(gone.length);
      this.log.warn(
        { expired: gone, ttlMs: this.options.ttlMs },
        'members not heard from for a TTL; treating them as gone',
      );
    }
    const next = this.view.due(now);
    if (!next) return;
    this.options.metrics.members.set(next.length);
    this.options.metrics.membershipChanges.inc();
    this.log.info({ members: next }, 'tracking members changed; cameras follow');
    this.onChange();
  }
}

function decodeInstance(value: Uint8Array): string | undefined {
  try {
    return TrackingMember.decode(value).instanceId || undefined;
  } catch {
    return undefined;
  }
}
