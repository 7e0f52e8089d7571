// The whole pipeline for one end-to-end test file: its own nats-server, the shared Elasticsearch
// under an index prefix of its own, all five services as separate processes started by the same
// launcher the demo uses, and a temporary folder for clips, logs and evidence.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { createLogger, NatsConnectionHandle, type JetStreamLimits } from '@va/common';
import { StreamState, type StreamSpec, type StreamStatus } from '@va/common/gen/va/ingest/v1/ingest';
import { generateTokens } from '../../deploy/local/pipeline/access-tokens.js';
import { ensureStream, listStreams } from '../../deploy/local/pipeline/camera-streams.js';
import { freeServicePorts } from '../../deploy/local/pipeline/local-ports.js';
import { Pipeline } from '../../deploy/local/pipeline/pipeline-launcher.js';
import { deletePrefix, esClient, esUrl, uniquePrefix } from '../helpers/elasticsearch.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { waitFor } from '../helpers/ports.js';
import { sharedDir, sharedFile } from '../helpers/shared.js';

const run = promisify(execFile);

export const PETS09_CLIP = 'data/mot15/PETS09-S2L1/PETS09-S2L1_300frames_768x576_7fps.mp4';

export interface WholePipeline {
  nats: TestNatsServer;
  /** A JetStream client of the test's own, to read what the services published. */
  bus: NatsConnectionHandle;
  es: Client;
  prefix: string;
  pipeline: Pipeline;
  /** Folder file:// streams may read (VA_INGEST_FILE_ROOT); clips cut by `cutClip` go here. */
  clipDir: string;
  addStream(spec: StreamSpec): Promise<StreamStatus | undefined>;
  streamStatus(cameraId: string): Promise<StreamStatus | undefined>;
  /** Polls ListStreams until the camera is COMPLETED (a non-looping file read to its end). */
  waitCompleted(cameraId: string, timeoutMs?: number): Promise<StreamStatus>;
  dispose(): Promise<void>;
}

export async function startWholePipeline(name: string, env: { [service: string]: Record<string, string> } = {}): Promise<WholePipeline> {
  const es = esClient();
  if (!(await es.ping().catch(() => false))) {
    await es.close();
    throw new Error(`Elasticsearch is not reachable at ${esUrl()}: start the local stack (npm run stack:up) or set ES_URL`);
  }
  const nats = await startNatsServer();
  const dir = mkdtempSync(join(tmpdir(), `va-e2e-${name}-`));
  const prefix = uniquePrefix(name);
  let pipeline: Pipeline | undefined;
  const failures: string[] = [];
  try {
    pipeline = await Pipeline.launch({
      runtime: 'source',
      logDir: join(dir, 'logs'),
      settings: {
        natsUrl: nats.url,
        esUrl: esUrl(),
        ports: await freeServicePorts(),
        tokens: generateTokens(),
        sharedDir: sharedDir(),
        fileRoot: dir,
        indexPrefix: prefix,
        sanityDataDir: join(dir, 'sanity'),
        inferenceThreads: 1,
        logLevel: 'info',
        extraEnv: {
          tracking: { VA_TRACKING_DISCOVERY_INTERVAL_MS: '500', ...env.tracking },
          'embedding-search': { VA_SEARCH_BULK_FLUSH_MS: '100', VA_SEARCH_REFRESH_INTERVAL_MS: '200', ...env['embedding-search'] },
          'sanity-check': { VA_SANITY_START_FROM: 'all', ...env['sanity-check'] },
          ingest: { ...env.ingest },
          'batching-inference': { ...env['batching-inference'] },
        },
      },
      onUnexpectedExit: (svc, code, tail) => failures.push(`${svc} exited with ${code}:\n${tail}`),
    });
  } catch (err) {
    await es.close();
    await nats.dispose();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const limits: JetStreamLimits = { maxAgeMs: 3600_000, maxBytes: 1024 ** 3, replicas: 1, duplicateWindowMs: 120_000 };
  const bus = await NatsConnectionHandle.connect({ servers: [nats.url], jetstream: limits }, { name: 'e2e-reader', log: createLogger('test', 'silent') });
  const p = pipeline;
  const assertAlive = () => {
    if (failures.length > 0) throw new Error(`a service died on its own:\n${failures.join('\n')}`);
  };
  return {
    nats,
    bus,
    es,
    prefix,
    pipeline: p,
    clipDir: dir,
    addStream: (spec) => ensureStream(p.clients, spec),
    streamStatus: async (cameraId) => (await listStreams(p.clients)).find((x) => x.spec?.cameraId === cameraId),
    waitCompleted: (cameraId, timeoutMs = 180_000) =>
      waitFor(
        async () => {
          assertAlive();
          const s = (await listStreams(p.clients)).find((x) => x.spec?.cameraId === cameraId);
          if (s?.state === StreamState.STREAM_STATE_FAILED) throw new Error(`${cameraId} FAILED: ${s.lastError}`);
          return s?.state === StreamState.STREAM_STATE_COMPLETED ? s : undefined;
        },
        { timeoutMs, intervalMs: 250, what: `${cameraId} to be read to its end` },
      ),
    dispose: async () => {
      await p.stop();
      await bus.close().catch(() => undefined);
      await nats.dispose();
      await deletePrefix(es, prefix).catch(() => undefined);
      await es.close();
      rmSync(dir, { recursive: true, force: true });
      assertAlive();
    },
  };
}

/**
 * The first `frames` frames of a shared clip, copied without re-encoding (the clip starts on a
 * key frame), so frame n of the cut is frame n of the original and its ground truth still applies.
 */
export async function cutClip(w: WholePipeline, clip: string, frames: number, name: string): Promise<string> {
  const out = join(w.clipDir, `${name}.mp4`);
  await run('ffmpeg', ['-v', 'error', '-y', '-i', sharedFile(clip), '-map', '0:v:0', '-c', 'copy', '-frames:v', String(frames), out]);
  return out;
}
