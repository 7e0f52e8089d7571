import { stableHash32 } from '@va/common';

/**
 * Which tracking instance owns a camera: rendezvous (highest random weight) hashing over the
 * instances 0..count-1. Every instance computes the same answer from the camera id alone, a
 * camera's frames go to exactly one instance, and when the count changes from N to N+1 only
 * about 1/(N+1) of the cameras move (plain hash % N would move most of them).
 */
export function ownerOf(camera: string, count: number): number {
  let best = 0;
  let bestWeight = -1;
  for (let i = 0; i < count; i++) {
    const w = weight(camera, i);
    if (w > bestWeight) {
      best = i;
      bestWeight = w;
    }
  }
  return best;
}

export interface Partition {
  index: number;
  count: number;
}

export function owns(partition: Partition, camera: string): boolean {
  return ownerOf(camera, partition.count) === partition.index;
}

/** Stable hash of "camera#instance" (FNV-1a with a murmur3 finaliser, so nearby inputs spread out). */
function weight(camera: string, instance: number): number {
  return stableHash32(`${camera}#${instance}`);
}
