import { dirname } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { codecs, createClient, subjects, unary } from '@va/common';
import type { Frame } from '@va/proto/va/common/v1/frame';
import { IngestServiceClient, StreamSpec, StreamState, type StreamStatus } from '@va/proto/va/ingest/v1/ingest';
import { natsClientOptionsFor, type TestNatsServer } from './nats-server.js';
import { freePort, waitFor } from './ports.js';
import { spawnService, type ServiceProcess } from './service-process.js';
import { sharedFile } from './shared.js';
import { metricValue } from './prometheus-text.js';
import { testToken } from './tokens.js';

export { metricValue };

export const OPERATOR_TOKEN = testToken('operator');
export const VIEWER_TOKEN = testToken('viewer');
export const CLIP = 'data/video/parking-lot-cars_768x432.mp4';

export interface IngestUnderTest {
  proc: ServiceProcess;
  httpPort: number;
  address: string;
  operator: IngestServiceClient;
  viewer: IngestServiceClient;
  add(spec: Partial<StreamSpec>): Promise<StreamStatus>;
  get(cameraId: string): Promise<StreamStatus>;
  /** Polls GetStream until `until` holds. */
  waitFor(
    cameraId: string,
    until: (s: StreamStatus) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<StreamStatus>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<number>;
}

/** The ingest service as a real process against `nats`, with file sources allowed under the shared data folder. */
export async function startIngest(nats: TestNatsServer, env: Record<string, string> = {}): Promise<IngestUnderTest> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const proc = spawnService('services/ingest/src/main.ts', {
    // Its own NATS user; NATS_URL from `url`, which a test may point at a proxy in front of the server.
    ...nats.env('ingest'),
    NATS_URL: nats.url,
    VA_HTTP_PORT: String(httpPort),
    VA_HTTP_HOST: '127.0.0.1',
    VA_GRPC_PORT: String(grpcPort),
    VA_GRPC_HOST: '127.0.0.1',
    VA_GRPC_TOKENS: `operator:${OPERATOR_TOKEN},viewer:${VIEWER_TOKEN}`,
    VA_INGEST_FILE_ROOT: dirname(dirname(sharedFile(CLIP))),
    VA_INGEST_ALLOW_LOCAL_NETWORK: 'true',
    VA_SHUTDOWN_GRACE_MS: '5000',
    ...env,
  });
  await proc.waitReady(httpPort);
  const address = `127.0.0.1:${grpcPort}`;
  const operator = createClient(IngestServiceClient, { address, token: OPERATOR_TOKEN });
  const viewer = createClient(IngestServiceClient, { address, token: VIEWER_TOKEN });
  const get = async (cameraId: string) => {
    const res = await unary(viewer.getStream.bind(viewer), { cameraId }, { deadlineMs: 5_000 });
    if (!res.status) throw new Error('GetStream returned no status');
    return res.status;
  };
  return {
    proc,
    httpPort,
    address,
    operator,
    viewer,
    add: async (spec) => {
      const res = await unary(operator.addStream.bind(operator), { spec: streamSpec(spec) }, { deadlineMs: 10_000 });
      if (!res.status) throw new Error('AddStream returned no status');
      return res.status;
    },
    get,
    waitFor: (cameraId, until, what, timeoutMs = 30_000) =>
      waitFor(
        async () => {
          const s = await get(cameraId);
          return until(s) ? s : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `${cameraId}: ${what}` },
      ).catch(async (err: unknown) => {
        const last = await get(cameraId).catch(() => undefined);
        throw new Error(
          `${String(err)}\nlast status: ${JSON.stringify(last)}\n--- ingest output ---\n${proc.output().slice(-3000)}`,
        );
      }),
    metric: (name, labels = {}) => metricValue(httpPort, name, labels),
    stop: async () => {
      operator.close();
      viewer.close();
      return proc.stop();
    },
  };
}

export function streamSpec(spec: Partial<StreamSpec>): StreamSpec {
  return StreamSpec.fromPartial({ cameraId: 'cam', ...spec });
}

export const fileUrl = (path: string) => `file://${path}`;

export const isState = (state: StreamState) => (s: StreamStatus) => s.state === state;

export interface FrameTap {
  frames: Frame[];
  /** Message sizes in bytes, in arrival order. */
  sizes: number[];
  close(): Promise<void>;
}

/** Subscribes to va.frames.<camera> and decodes every frame (pixels are kept only when asked). */
export async function tapFrames(
  natsUrl: string,
  camera: string,
  keepPixels = false,
): Promise<FrameTap & { nc: NatsConnection }> {
  const nc = await connect(natsClientOptionsFor(natsUrl));
  const frames: Frame[] = [];
  const sizes: number[] = [];
  const sub = nc.subscribe(subjects.frames(camera), {
    callback: (_err, msg) => {
      const frame = codecs.frame.decode(msg.data, msg.subject);
      sizes.push(msg.data.byteLength);
      frames.push(keepPixels ? { ...frame, pixels: frame.pixels.slice() } : { ...frame, pixels: new Uint8Array(0) });
    },
  });
  await nc.flush();
  return {
    nc,
    frames,
    sizes,
    close: async () => {
      sub.unsubscribe();
      await nc.drain();
    },
  };
}

export { StreamState };
