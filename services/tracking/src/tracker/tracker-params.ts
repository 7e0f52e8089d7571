/**
 * Everything that tunes the tracker. Names follow ByteTrack/BoT-SORT so published settings carry
 * over; the defaults are ByteTrack's (MOT17) and BoT-SORT's appearance gates.
 */
export interface TrackerParams {
  /** Detections scoring at least this join the first association (ByteTrack track_thresh). */
  trackHighThresh: number;
  /** Detections between this and trackHighThresh join the second association; lower ones are ignored. */
  trackLowThresh: number;
  /** An unmatched detection starts a new track only at this score or above (ByteTrack det_thresh). */
  newTrackThresh: number;
  /** Frames a lost track is kept (and can be re-found) before it is removed. */
  trackBuffer: number;
  /** Highest cost (1 - IoU, or the fused cost) accepted in the first association. */
  matchThresh: number;
  /** Highest cost (1 - IoU) in the second association, of low-score detections. */
  secondMatchThresh: number;
  /** Highest cost between a tentative track and a remaining high-score detection. */
  unconfirmedMatchThresh: number;
  /** Consecutive matched frames (birth included) a tentative track needs to become confirmed. */
  minHits: number;
  /** Run the second, low-score association (ByteTrack); off gives plain one-stage tracking. */
  twoStage: boolean;
  /** Multiply IoU similarity by the detection score in the first association (ByteTrack fuse_score). */
  fuseScore: boolean;
  /** Match only boxes of the same class; false matches across classes and votes the track's class. */
  classAware: boolean;
  /** Use embeddings when both the track and the detection have one. */
  appearance: boolean;
  /** Cosine distance (halved, as BoT-SORT) above which appearance says "not the same object". */
  appearanceThresh: number;
  /** Appearance may only be used for pairs whose IoU distance is below this (BoT-SORT proximity_thresh). */
  proximityThresh: number;
  /** Exponential moving average weight of the old embedding when a track is matched. */
  embeddingMomentum: number;
  /** Confirm tracks born on the first frame of a session at once, as ByteTrack does. */
  confirmOnFirstFrame: boolean;
  /** Longest frame gap the prediction advances through; beyond it every track is dropped. */
  maxPredictFrames: number;
  /** Box sanity limits; see box-validation.ts. */
  validation: BoxLimits;
}

export interface BoxLimits {
  /** How far outside the frame a box may reach, as a fraction of the frame's width/height. */
  frameMargin: number;
  /** Smallest width and height in pixels. */
  minSide: number;
  /** Largest width/height and height/width. */
  maxAspect: number;
  /** At most this many detections per frame are considered (the highest scores); the rest are rejected. */
  maxDetections: number;
}

export const DEFAULT_BOX_LIMITS: BoxLimits = { frameMargin: 0.5, minSide: 2, maxAspect: 15, maxDetections: 1000 };

export const DEFAULT_TRACKER_PARAMS: TrackerParams = {
  trackHighThresh: 0.5,
  trackLowThresh: 0.1,
  newTrackThresh: 0.6,
  trackBuffer: 30,
  matchThresh: 0.8,
  secondMatchThresh: 0.5,
  unconfirmedMatchThresh: 0.7,
  minHits: 2,
  twoStage: true,
  fuseScore: true,
  classAware: true,
  appearance: true,
  appearanceThresh: 0.25,
  proximityThresh: 0.5,
  embeddingMomentum: 0.9,
  confirmOnFirstFrame: true,
  maxPredictFrames: 60,
  validation: DEFAULT_BOX_LIMITS,
};

/**
 * A plain IoU-only SORT on the same machinery, as the baseline of the benchmark: one association
 * of the detections above trackHighThresh, IoU >= 0.3, no score fusion, no appearance, SORT's
 * max_age 1 and min_hits 3. (SORT's own filter is on (cx, cy, s, r); this one uses ByteTrack's.)
 */
export function sortBaselineParams(base: TrackerParams = DEFAULT_TRACKER_PARAMS): TrackerParams {
  return {
    ...base,
    twoStage: false,
    fuseScore: false,
    appearance: false,
    matchThresh: 0.7,
    unconfirmedMatchThresh: 0.7,
    newTrackThresh: base.trackHighThresh,
    trackBuffer: 1,
    minHits: 3,
    confirmOnFirstFrame: true,
  };
}

/** Problems with a parameter set, empty when it is usable. */
export function checkTrackerParams(p: TrackerParams): string[] {
  const problems: string[] = [];
  const unit = (name: keyof TrackerParams, value: number) => {
    if (!(value >= 0 && value <= 1)) problems.push(`${name} must be within 0..1`);
  };
  unit('trackHighThresh', p.trackHighThresh);
  unit('trackLowThresh', p.trackLowThresh);
  unit('newTrackThresh', p.newTrackThresh);
  unit('matchThresh', p.matchThresh);
  unit('secondMatchThresh', p.secondMatchThresh);
  unit('unconfirmedMatchThresh', p.unconfirmedMatchThresh);
  unit('appearanceThresh', p.appearanceThresh);
  unit('proximityThresh', p.proximityThresh);
  unit('embeddingMomentum', p.embeddingMomentum);
  if (p.trackLowThresh > p.trackHighThresh) problems.push('trackLowThresh must not exceed trackHighThresh');
  if (p.newTrackThresh < p.trackHighThresh)
    problems.push('newTrackThresh must be at least trackHighThresh (a new track needs a high-score detection)');
  if (!Number.isInteger(p.trackBuffer) || p.trackBuffer < 0)
    problems.push('trackBuffer must be a whole number of frames >= 0');
  if (!Number.isInteger(p.minHits) || p.minHits < 1) problems.push('minHits must be an integer >= 1');
  return problems;
}
