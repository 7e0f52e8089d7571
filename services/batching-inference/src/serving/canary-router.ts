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

/** FNV-1a 32-bit of the UTF-8 bytes, mapped to [0, 1). */
export function cameraBucket(cameraId: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(cameraId)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
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
