/**
 * Which version of a model serves a camera. A canary sends a share of cameras to a candidate
 * version, chosen by a stable hash of the camera id: the same camera always lands on the same
 * side (on every worker and after restarts), and raising the share only moves cameras from
 * stable to canary, never back.
 */
export interface Rollout {
  stable: string;
  canary?: { version: string; share: number };
}

/**
 * FNV-1a 32-bit of the UTF-8 bytes with MurmurHash3's finaliser (FNV alone spreads similar ids
 * like cam-1, cam-2 poorly over the high bits), mapped to [0, 1). Part of the contract: changing
 * it moves cameras between versions.
 */
export function cameraBucket(cameraId: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(cameraId)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** The version for `cameraId`; callers without a camera id always get the stable version. */
export function routeVersion(rollout: Rollout, cameraId: string | undefined): string {
  const canary = rollout.canary;
  if (!canary || !cameraId || canary.share <= 0) return rollout.stable;
  return cameraBucket(cameraId) < canary.share ? canary.version : rollout.stable;
}

/** Share of traffic per version, for status and metrics. */
export function trafficShares(rollout: Rollout): Map<string, number> {
  const shares = new Map<string, number>([[rollout.stable, 1]]);
  if (rollout.canary) {
    shares.set(rollout.stable, 1 - rollout.canary.share);
    shares.set(rollout.canary.version, rollout.canary.share);
  }
  return shares;
}
