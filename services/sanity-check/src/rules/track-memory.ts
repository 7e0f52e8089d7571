import type { Track } from '@va/proto/va/common/v1/track';

/**
 * Drops what a rule remembers about tracks the tracker no longer reports (removed tracks), so
 * per-track state stays as large as the tracker's own.
 */
export function forgetRemovedTracks(memory: Map<string, unknown>, reported: readonly Track[]): void {
  if (memory.size === 0) return;
  const ids = new Set(reported.map((t) => t.trackId));
  for (const id of memory.keys()) if (!ids.has(id)) memory.delete(id);
}
