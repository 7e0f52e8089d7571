import { AckPolicy, DeliverPolicy, nanos } from 'nats';
import {
  codecs,
  createClient,
  createLogger,
  ensureStreams,
  jetStreamLimits,
  NatsConnectionHandle,
  STREAMS,
  subjects,
  unary,
  type JetStreamLimits,
  type StreamKey,
} from '@va/common';
import { DetectionBatch, type Detection } from '@va/proto/va/common/v1/detection';
import type { TrackEvent, TrackUpdate } from '@va/proto/va/common/v1/track';
import { TrackingServiceClient, type ListCamerasResponse } from '@va/proto/va/tracking/v1/tracking';
import type { TestNatsServer } from './nats-server.js';
import { freePort, waitFor } from './ports.js';
import { spawnService, type ServiceProcess } from './service-process.js';
import { testToken } from './tokens.js';
export { metricValue } from './prometheus-text.js';

export const VIEWER_TOKEN = testToken('viewer');
export const OPERATOR_TOKEN = testToken('operator');
export const T0 = 1_700_000_000_000;

const limits: JetStreamLimits = jetStreamLimits({
  maxAgeMs: 3600_000,
  maxBytes: 256 * 1024 * 1024,
  replicas: 1,
  duplicateWindowMs: 120_000,
});
const log = createLogger('test', 'silent');

export async function connectTestNats(
  server: TestNatsServer,
  streams: StreamKey[] = ['detections', 'tracks', 'trackEvents'],
): Promise<NatsConnectionHandle> {
  const nats = await NatsConnectionHandle.connect(server.config(limits), { name: 'test', log });
  await ensureStreams(nats.jsm, streams, limits);
  return nats;
}

export interface TrackingProcess {
  proc: ServiceProcess;
  httpPort: number;
  address: string;
}

/** The tracking service as a real process against the given NATS, quick to discover cameras. */
export async function startTracking(
  server: TestNatsServer,
  env: Record<string, string> = {},
): Promise<TrackingProcess> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const proc = spawnService('services/tracking/src/main.ts', {
    ...server.env('tracking'),
    VA_HTTP_PORT: String(httpPort),
    VA_HTTP_HOST: '127.0.0.1',
    VA_GRPC_PORT: String(grpcPort),
    VA_GRPC_HOST: '127.0.0.1',
    VA_GRPC_TOKENS: `viewer:${VIEWER_TOKEN},operator:${OPERATOR_TOKEN}`,
    VA_TRACKING_DISCOVERY_INTERVAL_MS: '200',
    VA_TRACKING_GAP_TIMEOUT_MS: '300',
    VA_JS_MAX_BYTES: String(limits.maxBytes),
    ...env,
  });
  await proc.waitReady(httpPort);
  return { proc, httpPort, address: `127.0.0.1:${grpcPort}` };
}

/** The instance's ListCameras answer: its membership view and the cameras it tracks. */
export async function listCameras(svc: TrackingProcess): Promise<ListCamerasResponse> {
  const client = createClient(TrackingServiceClient, { address: svc.address, token: VIEWER_TOKEN });
  try {
    return await unary(client.listCameras.bind(client), {}, { deadlineMs: 5_000 });
  } finally {
    client.close();
  }
}

/** The cameras the instance tracks now. */
export const ownedBy = async (svc: TrackingProcess): Promise<string[]> =>
  (await listCameras(svc)).cameras.map((c) => c.cameraId);

/** A person-sized box whose centre is (cx, cy). */
export function person(cx: number, cy: number, score = 0.9, extra: Partial<Detection> = {}): Detection {
  return {
    box: { x1: cx - 20, y1: cy - 50, x2: cx + 20, y2: cy + 50 },
    score,
    classId: 0,
    className: 'person',
    embedding: [],
    ...extra,
  };
}

export function batch(
  camera: string,
  sequence: number,
  detections: Detection[],
  opts: { epoch?: string; tsMs?: number } = {},
): DetectionBatch {
  return DetectionBatch.fromPartial({
    cameraId: camera,
    sequence,
    captureTsMs: opts.tsMs ?? T0 + 100 * sequence,
    frameWidth: 1280,
    frameHeight: 720,
    streamEpoch: opts.epoch ?? 'epoch-1',
    detections,
    detector: { name: 'test', version: '1' },
    detectedTsMs: (opts.tsMs ?? T0 + 100 * sequence) + 20,
  });
}

/** Publishes to va.detections.<camera> with a msgID per (camera, epoch, sequence) unless told otherwise. */
export async function publishBatch(
  nats: NatsConnectionHandle,
  b: DetectionBatch,
  msgID: string | null = `${b.cameraId}:${b.streamEpoch}:${b.sequence}`,
): Promise<void> {
  await nats.js.publish(subjects.detections(b.cameraId), codecs.detectionBatch.encode(b), msgID ? { msgID } : {});
}

/** Every message stored in `stream` on `subject`, in stream order, decoded. */
export async function readStored<T>(
  nats: NatsConnectionHandle,
  stream: string,
  subject: string,
  decode: (bytes: Uint8Array) => T,
): Promise<T[]> {
  const info = await nats.jsm.streams.info(stream, { subjects_filter: subject });
  const total = Object.values(info.state.subjects ?? {}).reduce((s, n) => s + n, 0);
  if (total === 0) return [];
  // An ephemeral pull consumer with one filter subject (nats-server 2.9 has no filter_subjects).
  const ci = await nats.jsm.consumers.add(stream, {
    filter_subject: subject,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    inactive_threshold: nanos(30_000),
  });
  try {
    const consumer = await nats.js.consumers.get(stream, ci.name);
    const out: T[] = [];
    const messages = await consumer.fetch({ max_messages: total, expires: 5_000 });
    for await (const m of messages) {
      out.push(decode(m.data));
      if (out.length === total) break;
    }
    return out;
  } finally {
    await nats.jsm.consumers.delete(stream, ci.name).catch(() => undefined);
  }
}

export const storedUpdates = (nats: NatsConnectionHandle, camera: string): Promise<TrackUpdate[]> =>
  readStored(nats, STREAMS.tracks.name, subjects.tracks(camera), (b) => codecs.trackUpdate.decode(b));
export const storedEvents = (nats: NatsConnectionHandle, camera: string): Promise<TrackEvent[]> =>
  readStored(nats, STREAMS.trackEvents.name, subjects.trackEvents(camera), (b) => codecs.trackEvent.decode(b));

/** Waits until `count` TrackUpdates of the camera are stored, and returns them. */
export async function waitForUpdates(
  nats: NatsConnectionHandle,
  camera: string,
  count: number,
  timeoutMs = 20_000,
): Promise<TrackUpdate[]> {
  let last: TrackUpdate[] = [];
  await waitFor(
    async () => {
      last = await storedUpdates(nats, camera);
      return last.length >= count;
    },
    { timeoutMs, intervalMs: 100, what: `${count} TrackUpdates for ${camera}` },
  ).catch((err: unknown) => {
    throw new Error(`${String(err)} (have ${last.length})`);
  });
  return last;
}

/** Deletes a durable consumer (to make the service replay a camera from the start). */
export async function deleteDurable(nats: NatsConnectionHandle, durable: string): Promise<void> {
  await nats.jsm.consumers.delete(STREAMS.detections.name, durable);
}
