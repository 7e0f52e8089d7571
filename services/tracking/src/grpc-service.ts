import {
  assertCameraId,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
  type AsyncService,
  type ConsumerMetrics,
  type MethodRoles,
  type NatsConnectionHandle,
} from '@va/common';
import { ZoneConfig, type TrackingServiceService } from '@va/proto/va/tracking/v1/tracking';
import type { CameraSupervisor } from './camera-supervisor.js';
import { positionOf } from './membership/membership.js';
import type { TrackingMetrics } from './metrics.js';
import { lastStoredTrackUpdate } from './stored-tracks.js';
import { watchTracks } from './track-watch.js';
import { validateZoneConfig } from './zones/zone-validation.js';
import type { ZoneStore } from './zones/zone-store.js';

const MAX_WATCHED_CAMERAS = 256;

export interface TrackingGrpcDeps {
  nats: NatsConnectionHandle;
  supervisor: CameraSupervisor;
  zones: ZoneStore;
  metrics: TrackingMetrics;
  consumerMetrics: ConsumerMetrics;
  watchQueue: number;
  maxWatchers: number;
}

export const trackingRoles: MethodRoles<typeof TrackingServiceService> = {
  getTracks: 'viewer',
  watchTracks: 'viewer',
  listZones: 'viewer',
  setZones: 'operator',
  listCameras: 'viewer',
};

/** va.tracking.v1.TrackingService. Any instance answers for any camera. */
export function trackingService(deps: TrackingGrpcDeps): AsyncService<typeof TrackingServiceService> {
  let watchers = 0;
  return {
    getTracks: async (req) => {
      const camera = assertCameraId(req.cameraId);
      const local = deps.supervisor.worker(camera)?.latest;
      if (local) return { latest: local };
      const stored = await lastStoredTrackUpdate(deps.nats, camera);
      if (!stored) throw new NotFoundError(`no tracks for camera ${camera}`);
      return { latest: stored };
    },

    watchTracks: async (req, sink) => {
      if (req.cameraIds.length > MAX_WATCHED_CAMERAS)
        throw new InvalidArgumentError(`at most ${MAX_WATCHED_CAMERAS} camera_ids per watch`, 'camera_ids');
      req.cameraIds.forEach((c, i) => assertCameraId(c, `camera_ids[${i}]`));
      if (watchers >= deps.maxWatchers)
        throw new ResourceExhaustedError(`too many WatchTracks streams on this instance (limit ${deps.maxWatchers})`);
      watchers++;
      try {
        await watchTracks(deps.nats, [...new Set(req.cameraIds)], sink, {
          queueLimit: deps.watchQueue,
          metrics: deps.metrics,
          consumerMetrics: deps.consumerMetrics,
        });
      } finally {
        watchers--;
      }
    },

    listZones: async (req) => {
      const camera = assertCameraId(req.cameraId);
      const stored = await deps.zones.get(camera);
      return { zones: stored.message.zones, lines: stored.message.lines, revision: stored.revision };
    },

    setZones: async (req) => {
      validateZoneConfig(req.cameraId, req.zones, req.lines);
      const revision = await deps.zones.put(
        req.cameraId,
        ZoneConfig.fromPartial({ zones: req.zones, lines: req.lines, updatedTsMs: Date.now() }),
      );
      return { revision };
    },

    listCameras: async () => {
      const membership = deps.supervisor.membership;
      const { index, count } = positionOf(membership);
      return {
        partitionIndex: index,
        partitionCount: count,
        cameras: deps.supervisor.cameras.map((w) => w.status),
        membership: membership.mode,
        memberId: membership.memberId,
        members: [...membership.members()],
      };
    },
  };
}
