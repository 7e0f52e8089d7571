import { stableHash32 } from '@va/common';

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

/** The camera's place in [0, 1), from the shared stable hash: part of the contract (changing it moves cameras between versions). */
export function cameraBucket(cameraId: string): number {
  return stableHash32(cameraId) / 2 ** 32;
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
