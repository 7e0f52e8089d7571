// @va/tracking/tracker: the per-camera tracker on its own, for benchmarks and replays.
export { ByteTracker, type TrackerFrame, type TrackerStep } from './byte-tracker.js';
export {
  DEFAULT_BOX_LIMITS,
  DEFAULT_TRACKER_PARAMS,
  checkTrackerParams,
  sortBaselineParams,
  type BoxLimits,
  type TrackerParams,
} from './tracker-params.js';
