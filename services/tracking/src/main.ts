import { hostname } from 'node:os';
import { runMain, ServiceRuntime } from '@va/common';
import { TrackingServiceService } from '@va/proto/va/tracking/v1/tracking';
import { CameraLeases } from './camera-leases.js';
import { CameraSupervisor } from './camera-supervisor.js';
import { loadConfig } from './config.js';
import { openMembership } from './membership/open-membership.js';
import { trackingRoles, trackingService } from './grpc-service.js';
import { TrackingMetrics } from './metrics.js';
import { TrackPublisher } from './publisher.js';
import { ZoneStore } from './zones/zone-store.js';

const SERVICE = 'tracking';

// va.detections.<camera> (JetStream) -> per-camera durable consumer -> reorder window -> ByteTrack
// tracker + zones/lines -> va.tracks.<camera> and va.track-events.<camera> (JetStream), then ack.
runMain(SERVICE, async () => {
  const config = loadConfig(process.env);
  const runtime = await ServiceRuntime.create(SERVICE, config.base);
  const nats = await runtime.connectNats(config.nats, ['detections', 'tracks', 'trackEvents', 'deadLetters']);
  const { tracking } = config;
  const metrics = new TrackingMetrics(runtime.registry, runtime.metricPrefix);
  const log = runtime.log;

  const zones = await ZoneStore.open(nats, tracking.zonesBucket, config.nats.jetstream.replicas, log);
  const membership = await openMembership(nats, tracking.membership, config.nats.jetstream.replicas, metrics, log);
  const leases = await CameraLeases.open(nats, {
    bucket: tracking.leasesBucket,
    replicas: config.nats.jetstream.replicas,
    ttlMs: tracking.leaseTtlMs,
    owner: `${hostname()}/${process.pid}/member-${membership.memberId}`,
    log,
  });
  const supervisor = new CameraSupervisor({
    nats,
    membership,
    discoveryIntervalMs: tracking.discoveryIntervalMs,
    maxCameras: tracking.maxCameras,
    leases,
    zones,
    log,
    workerDeps: {
      nats,
      config: tracking,
      publisher: new TrackPublisher(nats, runtime.publishRefusals),
      metrics,
      consumerMetrics: runtime.consumerMetrics,
      log,
    },
  });
  await zones.watch((camera, zoneConfig, revision) => supervisor.worker(camera)?.setZones(zoneConfig, revision));
  leases.start();
  await membership.join();
  membership.onChange = () => void supervisor.reconcile();
  await supervisor.start();
  runtime.onShutdown({
    name: 'cameras',
    phase: 'intake',
    // Leave first, so the other members start settling while this one hands its cameras over.
    graceful: async () => {
      await membership.leave();
      await supervisor.stop();
    },
  });
  runtime.onShutdown({ name: 'zones', phase: 'flush', graceful: () => zones.stop() });

  const grpc = runtime.grpcServer(config.grpc);
  grpc.addService(
    TrackingServiceService,
    trackingService({
      nats,
      supervisor,
      zones,
      metrics,
      consumerMetrics: runtime.consumerMetrics,
      watchQueue: tracking.watchQueue,
      maxWatchers: tracking.maxWatchers,
    }),
    trackingRoles,
  );
  runtime.registerHealth('va.tracking.v1.TrackingService');
  await grpc.start();
  log.info(
    {
      membership: membership.mode,
      memberId: membership.memberId,
      members: membership.members(),
      reorderWindow: tracking.reorder.window,
      tracker: tracking.tracker,
    },
    'tracking running',
  );
  runtime.running();
});
