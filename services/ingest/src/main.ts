import { runMain, ServiceRuntime } from '@va/common';
import { IngestServiceService } from '@va/proto/va/ingest/v1/ingest';
import { BusGate, busConnection, resetOnReconnect } from './bus-gate.js';
import { loadConfig } from './config.js';
import { EvidenceFrameServer } from './evidence-frame-server.js';
import { EvidenceMetrics } from './evidence-metrics.js';
import { INGEST_ROLES, ingestService } from './ingest-grpc.js';
import { IngestMetrics } from './ingest-metrics.js';
import { PublishedFrameRing } from './published-frame-ring.js';
import { StreamManager } from './stream-manager.js';
import { StreamRegistry } from './stream-registry.js';
import { StreamSupervisor } from './stream-supervisor.js';

const SERVICE = 'ingest';

// camera --ffmpeg (sample, resize/letterbox)--> FrameReader --> StreamSupervisor (sequence, stats)
//   --> FramePublisher (newest wins) --> BusGate (bounded unconfirmed bytes) --> va.frames.<camera>
//                                    \--> PublishedFrameRing <-- EvidenceFrameServer <-- va.evidence-frame.<camera>
runMain(SERVICE, async () => {
  const config = loadConfig(process.env);
  const { ingest } = config;
  const runtime = await ServiceRuntime.create(SERVICE, config.base);

  const nats = await runtime.connectNats(config.nats, []);
  const gate = new BusGate(
    busConnection(nats.nc, () => nats.isConnected),
    ingest.busMaxPendingBytes,
  );
  void resetOnReconnect(nats.nc, gate);
  const maxPayloadBytes = () => nats.nc.info?.max_payload ?? 1024 * 1024;

  const registry = await StreamRegistry.open(
    nats.js,
    nats.jsm,
    ingest.kvBucket,
    config.nats.jetstream.replicas,
    runtime.log,
  );
  const metrics = new IngestMetrics(runtime.registry, runtime.metricPrefix);
  const evidenceMetrics = new EvidenceMetrics(runtime.registry, runtime.metricPrefix);
  const ring = new PublishedFrameRing(ingest.frameRing, (reason, n) => evidenceMetrics.evicted(reason, n));
  evidenceMetrics.readFrom(ring);
  const manager = new StreamManager({
    registry,
    policy: ingest,
    maxStreams: ingest.maxStreams,
    maxPayloadBytes,
    metrics,
    log: runtime.log,
    createSupervisor: (stream) =>
      new StreamSupervisor(stream, { settings: { ...ingest, maxPayloadBytes }, gate, ring, metrics, log: runtime.log }),
  });
  metrics.readFrom(
    () => manager.supervisors().map((s) => s.figures()),
    () => gate.pendingBytes,
  );
  // ffmpeg children stop with the streams phase; past the deadline they are killed.
  runtime.onShutdown({
    name: 'ffmpeg',
    phase: 'streams',
    graceful: () => manager.stopAll(),
    force: () => manager.killAll(),
  });

  const evidence = new EvidenceFrameServer(
    nats.nc,
    ring,
    { maxConcurrent: ingest.evidenceMaxConcurrent, maxPixels: ingest.maxWidth * ingest.maxHeight },
    evidenceMetrics.hooks,
    runtime.log.child({ component: 'evidence-frames' }),
  );
  evidence.start();
  runtime.onShutdown({ name: 'evidence-frames', phase: 'intake', graceful: () => evidence.stop() });

  const grpc = runtime.grpcServer(config.grpc);
  grpc.addService(IngestServiceService, ingestService(manager), INGEST_ROLES);
  runtime.registerHealth('va.ingest.v1.IngestService');
  await grpc.start();
  await manager.restore();
  runtime.running();
});
