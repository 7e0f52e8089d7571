import type { FrameStats } from '@va/proto/va/common/v1/frame';

/**
 * proto3 cannot tell "no statistics" from "a black frame with hash 0", so all-zero statistics
 * are taken as absent (ingest did not compute them); a real black frame still has a non-zero
 * thumbnail hash.
 */
export function hasStats(stats: FrameStats | undefined): stats is FrameStats {
  return stats !== undefined && (stats.thumbHash !== 0 || stats.meanLuma !== 0 || stats.lumaStddev !== 0);
}
