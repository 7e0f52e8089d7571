import type { FrameStats } from '@va/proto/va/common/v1/frame';

/**
 * proto3 cannot tell "no statistics" from "a black frame with hash 0", so all-zero statistics
 * are taken as absent (ingest did not compute them); a real black frame still has a non-zero
 * thumbnail hash.
 */
export function hasStats(stats: FrameStats | undefined): stats is FrameStats {
  return stats !== undefined && (stats.thumbHash !== 0 || stats.meanLuma !== 0 || stats.lumaStddev !== 0);
}

/** Side of ingest's grey thumbnail (FrameStats.grey_thumb). */
export const THUMB_SIDE = 32;
/** Cells of ingest's coarse region grid (FrameStats.region_luma, region_contrast). */
export const REGIONS = 16;

/** True when ingest sent the camera-health signals (an older ingest sends none). */
export function hasPictureHealth(stats: FrameStats | undefined): stats is FrameStats {
  return (
    stats !== undefined &&
    stats.greyThumb.length === THUMB_SIDE * THUMB_SIDE &&
    stats.regionLuma.length === REGIONS &&
    stats.regionContrast.length === REGIONS
  );
}
