import { stableHash32 } from '@va/common';

/**
 * Which tracking instance owns a camera: rendezvous (highest random weight) hashing over the
 * members. Every instance that knows the same members computes the same answer from the camera
 * id alone, and when a member joins or leaves only the cameras it takes or had move (about
 * 1/(N+1) of them; plain hash % N would move most). Members are instance ids in dynamic
 * membership and "0".."N-1" for static partitions. Ties (practically never) go to the smaller id,
 * so the order of `members` does not matter.
 */
export function rendezvousOwner(camera: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const member of members) {
    const w = weight(camera, member);
    if (w > bestWeight || (w === bestWeight && best !== undefined && member < best)) {
      best = member;
      bestWeight = w;
    }
  }
  return best;
}

/** The members of a static partitioning into `count` instances: "0".."count-1". */
export function staticMembers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i));
}

/** The static partition index that owns a camera among `count` instances. */
export function ownerOf(camera: string, count: number): number {
  return Number(rendezvousOwner(camera, staticMembers(count)) ?? 0);
}

/** Stable hash of "camera#member" (FNV-1a with a murmur3 finaliser, so nearby inputs spread out). */
function weight(camera: string, member: string): number {
  return stableHash32(`${camera}#${member}`);
}
