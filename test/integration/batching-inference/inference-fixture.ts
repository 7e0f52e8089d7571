// Shared set-up for the batching-inference integration tests: a real service process, a
// temporary model repository pointing at the real models, tokens, and a metrics reader.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@va/common';
import { InferenceServiceClient } from '@va/common/gen/va/inference/v1/inference';
import { freePort } from '../../helpers/ports.js';
import { spawnService, type ServiceProcess } from '../../helpers/service-process.js';
import { REPO_ROOT, sharedDir, sharedFile } from '../../helpers/shared.js';

export const TOKENS = { viewer: 'viewer-token-inference', admin: 'admin-token-inference' };

export interface InferenceProcess {
  proc: ServiceProcess;
  httpPort: number;
  address: string;
  client(role: keyof typeof TOKENS): InferenceServiceClient;
  /** The value of one sample of a metric (labels must all match), or undefined. */
  metric(name: string, labels?: Record<string, string>): Promise<number | undefined>;
  stop(): Promise<number>;
}

/** Starts src/main.ts as its own process on free ports, CPU only, one ORT thread, and waits until it is ready. */
export async function startInference(natsUrl: string, env: Record<string, string> = {}, options: { waitReady?: boolean } = {}): Promise<InferenceProcess> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const proc = spawnService('services/batching-inference/src/main.ts', {
    NATS_URL: natsUrl,
    VA_HTTP_PORT: String(httpPort),
    VA_GRPC_PORT: String(grpcPort),
    VA_GRPC_HOST: '127.0.0.1',
    VA_GRPC_TOKENS: `viewer:${TOKENS.viewer},admin:${TOKENS.admin}`,
    VA_SHARED_DIR: sharedDir(),
    VA_INFERENCE_THREADS: '1',
    VA_INFERENCE_EXECUTION_PROVIDERS: 'cpu',
    VA_SHUTDOWN_GRACE_MS: '5000',
    ...env,
  });
  const clients: InferenceServiceClient[] = [];
  const address = `127.0.0.1:${grpcPort}`;
  const handle: InferenceProcess = {
    proc,
    httpPort,
    address,
    client: (role) => {
      const c = createClient(InferenceServiceClient, { address, token: TOKENS[role] });
      clients.push(c);
      return c;
    },
    metric: async (name, labels = {}) => {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      for (const line of text.split('\n')) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
        if (wanted.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return undefined;
    },
    stop: async () => {
      for (const c of clients) c.close();
      return proc.stop(15_000);
    },
  };
  if (options.waitReady ?? true) await proc.waitReady(httpPort, 60_000);
  return handle;
}

/** A shipped model config (services/batching-inference/models/<name>/config.json) with overrides. */
export function shippedConfig(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const config = JSON.parse(readFileSync(join(REPO_ROOT, 'services/batching-inference/models', name, 'config.json'), 'utf8')) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...config, sources: {} };
  for (const [k, v] of Object.entries(overrides)) {
    const prev = merged[k];
    merged[k] = prev && typeof prev === 'object' && !Array.isArray(prev) && v && typeof v === 'object' && !Array.isArray(v) ? { ...prev, ...v } : v;
  }
  return merged;
}

export interface RepoModel {
  name: string;
  config: Record<string, unknown>;
  /** version -> a shared model file to link (relative to the shared folder) or the bytes to write. */
  versions: Record<string, string | Uint8Array>;
  /** Per-version config.json overrides. */
  versionConfigs?: Record<string, Record<string, unknown>>;
}

/** A model repository in a temporary folder; model files are links to ../shared, never copies. */
export function tempRepository(models: RepoModel[]): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'va-model-repo-'));
  for (const m of models) {
    mkdirSync(join(dir, m.name), { recursive: true });
    writeFileSync(join(dir, m.name, 'config.json'), JSON.stringify({ ...m.config, name: m.name }, null, 2));
    for (const [version, file] of Object.entries(m.versions)) {
      const vdir = join(dir, m.name, version);
      mkdirSync(vdir, { recursive: true });
      if (typeof file === 'string') symlinkSync(sharedFile(file), join(vdir, 'model.onnx'));
      else writeFileSync(join(vdir, 'model.onnx'), file);
      const override = m.versionConfigs?.[version];
      if (override) writeFileSync(join(vdir, 'config.json'), JSON.stringify(override));
    }
  }
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bytes of a PETS09-S2L1 JPEG (frames 1, 100, 200, 300 exist). */
export function petsJpeg(frame: number): Buffer {
  return readFileSync(sharedFile(`data/mot15/PETS09-S2L1/img1/${String(frame).padStart(6, '0')}.jpg`));
}
