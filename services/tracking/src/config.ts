import { z } from 'zod';
import {
  bool,
  ConfigError,
  type ConfigIssue,
  int,
  loadBaseConfig,
  loadGrpcServerConfig,
  loadNatsConfig,
  loadPieces,
  num,
  oneOf,
  parseEnv,
  type Env,
} from '@va/common';
import { checkTrackerParams, DEFAULT_TRACKER_PARAMS as D, type TrackerParams } from './tracker/tracker-params.js';

export const DEFAULT_GRPC_PORT = 50053;
export const DEFAULT_HTTP_PORT = 9463;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** A pod name, host name or the like; a valid NATS KV key. */
const MEMBER_ID = /^[A-Za-z0-9_-]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9_-])?$/;
const STATIC_ONLY = ['VA_TRACKING_PARTITION_INDEX', 'VA_TRACKING_PARTITION_COUNT'] as const;
const DYNAMIC_ONLY = [
  'VA_TRACKING_MEMBER_ID',
  'VA_TRACKING_MEMBERS_BUCKET',
  'VA_TRACKING_MEMBER_TTL_MS',
  'VA_TRACKING_MEMBERSHIP_SETTLE_MS',
] as const;
const name = (def: string) => z.string().regex(NAME, `must match ${NAME.source}`).default(def);
const unit = (def: number) => num(def, 0, 1);

/** Tracker settings; names follow ByteTrack (track_high_thresh ...). See tracker-params.ts. */
export const trackerEnv = {
  VA_TRACKING_TRACK_HIGH_THRESH: unit(D.trackHighThresh),
  VA_TRACKING_TRACK_LOW_THRESH: unit(D.trackLowThresh),
  VA_TRACKING_NEW_TRACK_THRESH: unit(D.newTrackThresh),
  VA_TRACKING_TRACK_BUFFER: int(D.trackBuffer, 0, 100_000),
  VA_TRACKING_MATCH_THRESH: unit(D.matchThresh),
  VA_TRACKING_SECOND_MATCH_THRESH: unit(D.secondMatchThresh),
  VA_TRACKING_UNCONFIRMED_MATCH_THRESH: unit(D.unconfirmedMatchThresh),
  VA_TRACKING_MIN_HITS: int(D.minHits, 1, 1000),
  VA_TRACKING_TWO_STAGE: bool(D.twoStage),
  VA_TRACKING_FUSE_SCORE: bool(D.fuseScore),
  VA_TRACKING_CLASS_AWARE: bool(D.classAware),
  VA_TRACKING_APPEARANCE: bool(D.appearance),
  VA_TRACKING_APPEARANCE_THRESH: unit(D.appearanceThresh),
  VA_TRACKING_PROXIMITY_THRESH: unit(D.proximityThresh),
  VA_TRACKING_EMBEDDING_MOMENTUM: unit(D.embeddingMomentum),
  VA_TRACKING_MAX_PREDICT_FRAMES: int(D.maxPredictFrames, 1, 100_000),
  VA_TRACKING_MAX_DETECTIONS: int(D.validation.maxDetections, 1, 100_000),
  VA_TRACKING_BOX_FRAME_MARGIN: num(D.validation.frameMargin, 0, 10),
  VA_TRACKING_BOX_MIN_SIDE: num(D.validation.minSide, 0, 10_000),
  VA_TRACKING_BOX_MAX_ASPECT: num(D.validation.maxAspect, 1, 10_000),
};

export const serviceEnv = {
  VA_TRACKING_REORDER_WINDOW: int(16, 1, 10_000),
  VA_TRACKING_GAP_TIMEOUT_MS: int(500, 0, 600_000),
  VA_TRACKING_IDLE_END_MS: int(60_000, 0, 86_400_000),
  VA_TRACKING_MEMBERSHIP: oneOf(['static', 'dynamic'] as const, 'static'),
  VA_TRACKING_MEMBER_ID: z.string().regex(MEMBER_ID, `must match ${MEMBER_ID.source} (a KV key)`).optional(),
  VA_TRACKING_MEMBERS_BUCKET: name('va_tracking_members'),
  VA_TRACKING_MEMBER_TTL_MS: int(15_000, 1_000, 600_000),
  VA_TRACKING_MEMBERSHIP_SETTLE_MS: int(10_000, 0, 600_000),
  VA_TRACKING_PARTITION_INDEX: int(0, 0, 4095),
  VA_TRACKING_PARTITION_COUNT: int(1, 1, 4096),
  VA_TRACKING_DISCOVERY_INTERVAL_MS: int(2_000, 100, 3_600_000),
  VA_TRACKING_LEASE_TTL_MS: int(10_000, 1_000, 3_600_000),
  VA_TRACKING_MAX_CAMERAS: int(1_000, 1, 100_000),
  VA_TRACKING_DURABLE_PREFIX: name('tracking'),
  VA_TRACKING_ZONES_BUCKET: name('va_tracking_zones'),
  VA_TRACKING_LEASES_BUCKET: name('va_tracking_leases'),
  VA_TRACKING_ACK_WAIT_MS: int(30_000, 1_000, 3_600_000),
  VA_TRACKING_START_AT: oneOf(['all', 'new'] as const, 'all'),
  VA_TRACKING_WATCH_QUEUE: int(64, 1, 100_000),
  VA_TRACKING_MAX_WATCHERS: int(64, 1, 10_000),
};

/** How tracking instances find each other (services/tracking/README.md, "Scale"). */
export type MembershipConfig =
  | { mode: 'static'; partition: { index: number; count: number } }
  | {
      mode: 'dynamic';
      /** Unset: "<host name>-<pid>" (main.ts); Kubernetes passes the pod name. */
      memberId: string | undefined;
      bucket: string;
      ttlMs: number;
      settleMs: number;
    };

export interface TrackingServiceConfig {
  tracker: TrackerParams;
  reorder: { window: number; gapTimeoutMs: number };
  /** A camera silent this long has its tracks ended (0: never). */
  idleEndMs: number;
  membership: MembershipConfig;
  discoveryIntervalMs: number;
  leaseTtlMs: number;
  maxCameras: number;
  durablePrefix: string;
  zonesBucket: string;
  leasesBucket: string;
  ackWaitMs: number;
  startAt: 'all' | 'new';
  watchQueue: number;
  maxWatchers: number;
}

export function loadTrackerParams(env: Env): TrackerParams {
  const e = parseEnv(trackerEnv, env);
  const params: TrackerParams = {
    trackHighThresh: e.VA_TRACKING_TRACK_HIGH_THRESH,
    trackLowThresh: e.VA_TRACKING_TRACK_LOW_THRESH,
    newTrackThresh: e.VA_TRACKING_NEW_TRACK_THRESH,
    trackBuffer: e.VA_TRACKING_TRACK_BUFFER,
    matchThresh: e.VA_TRACKING_MATCH_THRESH,
    secondMatchThresh: e.VA_TRACKING_SECOND_MATCH_THRESH,
    unconfirmedMatchThresh: e.VA_TRACKING_UNCONFIRMED_MATCH_THRESH,
    minHits: e.VA_TRACKING_MIN_HITS,
    twoStage: e.VA_TRACKING_TWO_STAGE,
    fuseScore: e.VA_TRACKING_FUSE_SCORE,
    classAware: e.VA_TRACKING_CLASS_AWARE,
    appearance: e.VA_TRACKING_APPEARANCE,
    appearanceThresh: e.VA_TRACKING_APPEARANCE_THRESH,
    proximityThresh: e.VA_TRACKING_PROXIMITY_THRESH,
    embeddingMomentum: e.VA_TRACKING_EMBEDDING_MOMENTUM,
    confirmOnFirstFrame: D.confirmOnFirstFrame,
    maxPredictFrames: e.VA_TRACKING_MAX_PREDICT_FRAMES,
    validation: {
      frameMargin: e.VA_TRACKING_BOX_FRAME_MARGIN,
      minSide: e.VA_TRACKING_BOX_MIN_SIDE,
      maxAspect: e.VA_TRACKING_BOX_MAX_ASPECT,
      maxDetections: e.VA_TRACKING_MAX_DETECTIONS,
    },
  };
  const problems = checkTrackerParams(params);
  if (problems.length > 0) throw new ConfigError(problems.map((message) => ({ key: 'VA_TRACKING_*', message })));
  return params;
}

export function loadTrackingServiceConfig(env: Env): Omit<TrackingServiceConfig, 'tracker'> {
  const e = parseEnv(serviceEnv, env);
  const mode = e.VA_TRACKING_MEMBERSHIP;
  // Keys of the other mode are refused rather than ignored: a partition index set for dynamic
  // membership would silently do nothing.
  const foreign = (mode === 'dynamic' ? STATIC_ONLY : DYNAMIC_ONLY).filter(
    (key) => env[key] !== undefined && env[key] !== '',
  );
  const issues: ConfigIssue[] = foreign.map((key) => ({
    key,
    message: `only read with VA_TRACKING_MEMBERSHIP=${mode === 'dynamic' ? 'static' : 'dynamic'} (it is ${mode})`,
  }));
  if (mode === 'static' && e.VA_TRACKING_PARTITION_INDEX >= e.VA_TRACKING_PARTITION_COUNT) {
    issues.push({
      key: 'VA_TRACKING_PARTITION_INDEX',
      message: `must be below VA_TRACKING_PARTITION_COUNT (${e.VA_TRACKING_PARTITION_COUNT})`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const membership: MembershipConfig =
    mode === 'static'
      ? { mode, partition: { index: e.VA_TRACKING_PARTITION_INDEX, count: e.VA_TRACKING_PARTITION_COUNT } }
      : {
          mode,
          memberId: e.VA_TRACKING_MEMBER_ID,
          bucket: e.VA_TRACKING_MEMBERS_BUCKET,
          ttlMs: e.VA_TRACKING_MEMBER_TTL_MS,
          settleMs: e.VA_TRACKING_MEMBERSHIP_SETTLE_MS,
        };
  return {
    reorder: { window: e.VA_TRACKING_REORDER_WINDOW, gapTimeoutMs: e.VA_TRACKING_GAP_TIMEOUT_MS },
    idleEndMs: e.VA_TRACKING_IDLE_END_MS,
    membership,
    discoveryIntervalMs: e.VA_TRACKING_DISCOVERY_INTERVAL_MS,
    leaseTtlMs: e.VA_TRACKING_LEASE_TTL_MS,
    maxCameras: e.VA_TRACKING_MAX_CAMERAS,
    durablePrefix: e.VA_TRACKING_DURABLE_PREFIX,
    zonesBucket: e.VA_TRACKING_ZONES_BUCKET,
    leasesBucket: e.VA_TRACKING_LEASES_BUCKET,
    ackWaitMs: e.VA_TRACKING_ACK_WAIT_MS,
    startAt: e.VA_TRACKING_START_AT,
    watchQueue: e.VA_TRACKING_WATCH_QUEUE,
    maxWatchers: e.VA_TRACKING_MAX_WATCHERS,
  };
}

/** Everything tracking reads from the environment, validated at once. */
export function loadConfig(env: Env) {
  const pieces = loadPieces({
    base: () => loadBaseConfig(env, { httpPort: DEFAULT_HTTP_PORT }),
    nats: () => loadNatsConfig(env),
    grpc: () => loadGrpcServerConfig(env, { port: DEFAULT_GRPC_PORT }),
    tracker: () => loadTrackerParams(env),
    service: () => loadTrackingServiceConfig(env),
  });
  const tracking: TrackingServiceConfig = { ...pieces.service, tracker: pieces.tracker };
  return { base: pieces.base, nats: pieces.nats, grpc: pieces.grpc, tracking };
}

export type Config = ReturnType<typeof loadConfig>;
