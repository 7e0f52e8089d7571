export interface MembershipTiming {
  /** A member not heard from for this long is gone. */
  ttlMs: number;
  /** A change is applied once the members have been stable this long... */
  settleMs: number;
  /** ...or at the latest this long after the first change not yet applied (churn never stalls it). */
  maxSettleMs: number;
}

/**
 * The live members as one instance sees them, and the debounced view it partitions cameras over.
 * Pure: every method takes the time (a monotonic clock) from the caller.
 *
 * Liveness is judged only by when *this* instance last heard each member (a heartbeat seen on the
 * bucket's watch), on its own monotonic clock: no two clocks are ever compared, so skew between
 * machines or wall-clock jumps cannot expire a live member or keep a dead one. Time during which
 * this instance could not hear anything (disconnected from NATS, or its event loop stalled) does
 * not count against the others: see `pause`.
 *
 * Changes (joins, leaves, expiries) are not applied at once: the view in force changes only after
 * the live set has been stable for `settleMs`, so a rolling restart, where a member leaves and
 * comes back with the same id, moves no camera if it is back in time, and a burst of changes
 * moves each camera at most once.
 */
export class MembershipView {
  private readonly lastHeard = new Map<string, number>();
  private applied: string[];
  private firstPending: number | undefined;
  private lastChange = 0;

  constructor(
    readonly self: string,
    private readonly timing: MembershipTiming,
  ) {
    this.applied = [self];
  }

  /** The members cameras are partitioned over now, sorted. Always includes this instance. */
  get current(): readonly string[] {
    return this.applied;
  }

  /** Every member heard from within the TTL, and this instance, sorted. */
  live(): string[] {
    return [...new Set([this.self, ...this.lastHeard.keys()])].sort();
  }

  /** A member's heartbeat (or its entry in the initial listing). */
  heard(member: string, now: number): void {
    const known = this.lastHeard.has(member) || member === this.self;
    this.lastHeard.set(member, now);
    if (!known) this.changed(now);
  }

  /** A member deleted its entry (it stopped gracefully). */
  left(member: string, now: number): void {
    if (member === this.self) return;
    if (this.lastHeard.delete(member)) this.changed(now);
  }

  /** Removes the members not heard from for a TTL; returns them. */
  expire(now: number): string[] {
    const gone: string[] = [];
    for (const [member, heard] of this.lastHeard) {
      if (member !== this.self && now - heard >= this.timing.ttlMs) gone.push(member);
    }
    for (const member of gone) this.lastHeard.delete(member);
    if (gone.length > 0) this.changed(now);
    return gone;
  }

  /**
   * `ms` of time in which nothing could be heard (NATS disconnected, event loop stalled): moves
   * every member's last-heard time forward by it, so nobody expires for our own deafness.
   */
  pause(ms: number): void {
    for (const [member, heard] of this.lastHeard) this.lastHeard.set(member, heard + ms);
  }

  /** Applies the live set at once (start-up: nothing to debounce yet). */
  applyNow(): readonly string[] {
    this.firstPending = undefined;
    this.applied = this.live();
    return this.applied;
  }

  /** The new view when one is due now (debounce elapsed and the live set differs); else undefined. */
  due(now: number): readonly string[] | undefined {
    if (this.firstPending === undefined) return undefined;
    const settled = now - this.lastChange >= this.timing.settleMs || now - this.firstPending >= this.timing.maxSettleMs;
    if (!settled) return undefined;
    this.firstPending = undefined;
    const next = this.live();
    if (sameMembers(next, this.applied)) return undefined;
    this.applied = next;
    return next;
  }

  private changed(now: number): void {
    this.firstPending ??= now;
    this.lastChange = now;
  }
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((m, i) => m === b[i]);
}
