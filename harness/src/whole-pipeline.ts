// The whole pipeline for one end-to-end test file or one load run: its own nats-server, the
// shared Elasticsearch under an index prefix of its own (deleted afterwards), all five services as
// separate processes started by the same launcher the demo uses (free ports, 127.0.0.1 only), and
// a temporary folder for clips, logs and evidence.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { createLogger, jetStreamLimits, NatsConnectionHandle, type JetStreamLimits } from '@va/common';
import { StreamState, type StreamSpec, type StreamStatus } from '@va/proto/va/ingest/v1/ingest';
import { generateTokens } from './pipeline/access-tokens.js';
import { ensureStream, listStreams } from './pipeline/camera-streams.js';
import { freeServicePorts } from './pipeline/local-ports.js';
import { Pipeline } from './pipeline/pipeline-launcher.js';
import { scrapePipeline } from './pipeline/pipeline-scrape.js';
import type { MetricSet } from './prometheus-text.js';
import type { ServiceName } from './pipeline/service-catalog.js';
import { deletePrefix, esClient, esUrl, uniquePrefix } from './elasticsearch.js';
import { startNatsServer, type TestNatsServer } from './nats-server.js';
import { waitFor } from './ports.js';
import { sharedDir, sharedFile } from './shared.js';

const run = promisify(execFile);

export const PETS09_CLIP = 'data/mot15/PETS09-S2L1/PETS09-S2L1_300frames_768x576_7fps.mp4';

/**
 * Environment that gives every hop room for a whole clip of `frames` frames, so a test's counts
 * are exact however busy the machine is (shedding is the load tests' subject): ingest's bus
 * window holds every raw frame (1.3 MB each at 768x576) and its age limit is the longest it
 * allows; inference queues them all with a ten-minute age budget (which is also their batcher
 * timeout); tracking waits for a frame still being detected instead of moving on after 500 ms.
 */
export function nothingShedEnv(frames: number): NonNullable<WholePipelineOptions['env']> {
  return {
    ingest: { VA_INGEST_MAX_FRAME_AGE_MS: '60000', VA_INGEST_BUS_MAX_PENDING_BYTES: String(256 * 1024 * 1024) },
    'batching-inference': { VA_INFERENCE_CAMERA_QUEUE: String(frames), VA_INFERENCE_MAX_FRAME_AGE_MS: '600000' },
    tracking: { VA_TRACKING_GAP_TIMEOUT_MS: '120000' },
  };
}

export interface WholePipelineOptions {
  /** Per-service environment additions. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** VA_INGEST_FILE_ROOT; default the temporary folder (where `cutClip` writes). */
  fileRoot?: string;
  inferenceThreads?: number;
  logLevel?: string;
}

export interface WholePipeline {
  nats: TestNatsServer;
  /** A JetStream client of the caller's own, to read what the services published. */
  bus: NatsConnectionHandle;
  es: Client;
  prefix: string;
  pipeline: Pipeline;
  /** Temporary folder: cut clips, logs/, sanity/. */
  dir: string;
  /** Services that exited without being asked to (fell over). */
  crashes: Array<{ service: ServiceName; code: number; atMs: number; logTail: string }>;
  addStream(spec: StreamSpec): Promise<StreamStatus | undefined>;
  streamStatus(cameraId: string): Promise<StreamStatus | undefined>;
  /** Polls ListStreams until the camera is COMPLETED (a non-looping file read to its end). */
  waitCompleted(cameraId: string, timeoutMs?: number): Promise<StreamStatus>;
  /**
   * Where one camera's frames went, from the services' /metrics: read, published and dropped by
   * reason at ingest, received, dropped by reason and published at inference, refused by
   * tracking's ordering stage. For count assertions' messages: a shortfall says which hop shed it.
   */
  frameJourney(cameraId: string): Promise<string>;
  /** Stops everything and deletes the index prefix and the folder (unless keepDir); throws when a service had crashed. */
  dispose(options?: { keepDir?: boolean }): Promise<void>;
}

export async function startWholePipeline(name: string, options: WholePipelineOptions = {}): Promise<WholePipeline> {
  const es = esClient();
  if (!(await es.ping().catch(() => false))) {
    await es.close();
    throw new Error(
      `Elasticsearch is not reachable at ${esUrl()}: start the local stack (npm run stack:up) or set ES_URL`,
    );
  }
  const nats = await startNatsServer();
  const dir = mkdtempSync(join(tmpdir(), `va-${name}-`));
  const prefix = uniquePrefix(name);
  const crashes: WholePipeline['crashes'] = [];
  const env = options.env ?? {};
  /** Undoes a start that failed part-way, so the caller (which gets no handle) leaks nothing. */
  const abandon = async (err: unknown, started?: Pipeline): Promise<never> => {
    await started?.stop();
    await deletePrefix(es, prefix).catch(() => undefined);
    await es.close();
    await nats.dispose();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  };
  let pipeline: Pipeline;
  try {
    pipeline = await Pipeline.launch({
      runtime: 'source',
      logDir: join(dir, 'logs'),
      settings: {
        natsUrl: nats.url,
        ...(nats.credentialsDir ? { natsCredentialsDir: nats.credentialsDir } : {}),
        esUrl: esUrl(),
        ports: await freeServicePorts(),
        tokens: generateTokens(),
        sharedDir: sharedDir(),
        fileRoot: options.fileRoot ?? dir,
        indexPrefix: prefix,
        sanityDataDir: join(dir, 'sanity'),
        inferenceThreads: options.inferenceThreads ?? 1,
        logLevel: options.logLevel ?? 'info',
        extraEnv: {
          ...env,
          tracking: { VA_TRACKING_DISCOVERY_INTERVAL_MS: '500', ...env.tracking },
          'embedding-search': {
            VA_SEARCH_BULK_FLUSH_MS: '100',
            VA_SEARCH_REFRESH_INTERVAL_MS: '200',
            ...env['embedding-search'],
          },
          'sanity-check': { VA_SANITY_START_FROM: 'all', ...env['sanity-check'] },
        },
      },
      onUnexpectedExit: (service, code, logTail) => crashes.push({ service, code, atMs: Date.now(), logTail }),
    });
  } catch (err) {
    return abandon(err);
  }
  const limits: JetStreamLimits = jetStreamLimits({
    maxAgeMs: 3600_000,
    maxBytes: 1024 ** 3,
    replicas: 1,
    duplicateWindowMs: 120_000,
  });
  let bus: NatsConnectionHandle;
  try {
    bus = await NatsConnectionHandle.connect(nats.config(limits), {
      name: 'whole-pipeline-reader',
      log: createLogger('test', 'silent'),
    });
  } catch (err) {
    // The five services are running by now.
    return abandon(err, pipeline);
  }
  const assertAlive = () => {
    if (crashes.length > 0)
      throw new Error(
        `a service died on its own:\n${crashes.map((c) => `${c.service} exited with ${c.code}:\n${c.logTail}`).join('\n')}`,
      );
    // Every service runs as its own NATS user: a refusal means bus-identities.ts misses something it does.
    const refused = nats.permissionViolations();
    if (refused.length > 0)
      throw new Error(`NATS refused a service ${refused.length} time(s):\n${refused.slice(0, 10).join('\n')}`);
  };
  const streamStatus = async (cameraId: string) =>
    (await listStreams(pipeline.clients)).find((x) => x.spec?.cameraId === cameraId);
  return {
    nats,
    bus,
    es,
    prefix,
    pipeline,
    dir,
    crashes,
    addStream: async (spec) => (await ensureStream(pipeline.clients, spec)).status,
    frameJourney: (cameraId) => frameJourney(pipeline, cameraId),
    streamStatus,
    waitCompleted: (cameraId, timeoutMs = 180_000) =>
      waitFor(
        async () => {
          assertAlive();
          const s = await streamStatus(cameraId);
          if (s?.state === StreamState.STREAM_STATE_FAILED) throw new Error(`${cameraId} FAILED: ${s.lastError}`);
          return s?.state === StreamState.STREAM_STATE_COMPLETED ? s : undefined;
        },
        { timeoutMs, intervalMs: 250, what: `${cameraId} to be read to its end` },
      ),
    dispose: async (o = {}) => {
      await pipeline.stop();
      await bus.close().catch(() => undefined);
      await nats.dispose();
      await deletePrefix(es, prefix).catch(() => undefined);
      await es.close();
      if (!o.keepDir) rmSync(dir, { recursive: true, force: true });
      assertAlive();
    },
  };
}

async function frameJourney(pipeline: Pipeline, cameraId: string): Promise<string> {
  const camera = { camera: cameraId };
  const { metrics } = await scrapePipeline(pipeline);
  const ingest = metrics.ingest;
  const inference = metrics['batching-inference'];
  const tracking = metrics.tracking;
  const reasons = (m: MetricSet | undefined, name: string) =>
    JSON.stringify(Object.fromEntries(m?.by(name, 'reason', camera) ?? []));
  if (!ingest || !inference || !tracking) return `frame journey of ${cameraId}: a service did not answer /metrics`;
  return [
    `frame journey of ${cameraId}:`,
    `ingest read ${ingest.sum('va_ingest_frames_read_total', camera)}, published ${ingest.sum('va_ingest_frames_published_total', camera)}, dropped ${reasons(ingest, 'va_ingest_frames_dropped_total')};`,
    `inference received ${inference.sum('va_inference_frames_received_total', camera)}, dropped ${reasons(inference, 'va_inference_frames_dropped_total')}, published ${inference.sum('va_inference_frames_published_total', camera)};`,
    `tracking refused ${reasons(tracking, 'va_tracking_reorder_drops_total')}`,
  ].join(' ');
}

/**
 * The first `frames` frames of a shared clip, copied without re-encoding (the clip starts on a
 * key frame), so frame n of the cut is frame n of the original and its ground truth still applies.
 */
export async function cutClip(w: WholePipeline, clip: string, frames: number, name: string): Promise<string> {
  const out = join(w.dir, `${name}.mp4`);
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    sharedFile(clip),
    '-map',
    '0:v:0',
    '-c',
    'copy',
    '-frames:v',
    String(frames),
    out,
  ]);
  return out;
}
