import { rendezvousOwner, staticMembers } from '../partitioning.js';

/**
 * Who the tracking instances are, and so which cameras this one should track: the camera's
 * rendezvous owner among the members. Two implementations: static partitions (index/count from
 * the configuration) and dynamic membership (instances register themselves in NATS KV).
 */
export interface Membership {
  readonly mode: 'static' | 'dynamic';
  /** This instance among the members (static: its partition index). */
  readonly memberId: string;
  /** The members cameras are partitioned over now, sorted. */
  members(): readonly string[];
  /** Called after `members()` changed (dynamic membership only). */
  onChange: () => void;
  join(): Promise<void>;
  leave(): Promise<void>;
}

export function ownsCamera(membership: Membership, camera: string): boolean {
  return rendezvousOwner(camera, membership.members()) === membership.memberId;
}

/** This instance's place among the members: position and count (ListCameras, logs). */
export function positionOf(membership: Membership): { index: number; count: number } {
  const members = membership.members();
  return { index: Math.max(0, members.indexOf(membership.memberId)), count: members.length };
}

/**
 * Instance `index` of `count`, fixed by configuration (VA_TRACKING_MEMBERSHIP=static), e.g. a
 * single compose container as 0 of 1. Changing the count means restarting every
 * instance with the new one; an instance beyond it is refused at start-up.
 */
export class StaticMembership implements Membership {
  readonly mode = 'static';
  readonly memberId: string;
  private readonly all: string[];
  onChange: () => void = () => {};

  constructor(partition: { index: number; count: number }) {
    this.memberId = String(partition.index);
    this.all = staticMembers(partition.count);
  }

  members(): readonly string[] {
    return this.all;
  }

  async join(): Promise<void> {}

  async leave(): Promise<void> {}
}
