import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, nanos } from 'nats';
import {
  codecs,
  createClient,
  createLogger,
  jetStreamLimits,
  NatsConnectionHandle,
  STREAMS,
  type JetStreamLimits,
} from '@va/common';
import type { Flag, ReviewDecision } from '@va/proto/va/common/v1/flag';
import { SanityServiceClient } from '@va/proto/va/sanity/v1/sanity';
import { natsConfigFor, natsEnvFor } from './nats-server.js';
import { metricValue } from './prometheus-text.js';
import { freePort, waitFor } from './ports.js';
import { spawnService, type ServiceProcess } from './service-process.js';
import { testToken } from './tokens.js';

export const TOKENS = {
  viewer: testToken('viewer'),
  operator: testToken('operator'),
  admin: testToken('admin'),
} as const;
export const TEST_LIMITS: JetStreamLimits = jetStreamLimits({
  maxAgeMs: 3600_000,
  maxBytes: 256 * 1024 * 1024,
  replicas: 1,
  duplicateWindowMs: 120_000,
});

export interface SanityService {
  proc: ServiceProcess;
  grpcAddress: string;
  httpPort: number;
  dataDir: string;
  client(role: keyof typeof TOKENS): SanityServiceClient;
  /** The value of one metric series from /metrics (summed over series matching every given label). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<number>;
}

/** Runs services/sanity-check as a real process against `natsUrl`, on free ports, with its own data folder. */
export async function startSanityService(
  natsUrl: string,
  env: Record<string, string> = {},
  dataDir?: string,
): Promise<SanityService> {
  const grpcPort = await freePort();
  const httpPort = await freePort();
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'va-sanity-'));
  const proc = spawnService('services/sanity-check/src/main.ts', {
    ...natsEnvFor(natsUrl, 'sanity-check'),
    VA_GRPC_HOST: '127.0.0.1',
    VA_GRPC_PORT: String(grpcPort),
    VA_HTTP_HOST: '127.0.0.1',
    VA_HTTP_PORT: String(httpPort),
    VA_GRPC_TOKENS: Object.entries(TOKENS)
      .map(([role, token]) => `${role}:${token}`)
      .join(','),
    VA_SANITY_DATA_DIR: dir,
    VA_SANITY_FLAG_UPDATE_INTERVAL_MS: '300',
    VA_LOG_LEVEL: 'warn',
    ...env,
  });
  try {
    await proc.waitReady(httpPort, 60_000);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const clients: SanityServiceClient[] = [];
  return {
    proc,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    httpPort,
    dataDir: dir,
    client: (role) => {
      const c = createClient(SanityServiceClient, { address: `127.0.0.1:${grpcPort}`, token: TOKENS[role] });
      clients.push(c);
      return c;
    },
    metric: (name, labels = {}) => metricValue(httpPort, name, labels),
    stop: async () => {
      for (const c of clients) c.close();
      const code = await proc.stop();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

export async function connectTestNats(url: string): Promise<NatsConnectionHandle> {
  return NatsConnectionHandle.connect(natsConfigFor(url, TEST_LIMITS), {
    name: 'sanity-test',
    log: createLogger('test', 'silent'),
  });
}

/** Waits until the service's durable consumers have processed (acked) everything in VA_DETECTIONS and VA_TRACKS. */
export async function waitConsumed(nats: NatsConnectionHandle, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    async () => {
      for (const [stream, durable] of [
        [STREAMS.detections.name, 'sanity-check-detections'],
        [STREAMS.tracks.name, 'sanity-check-tracks'],
      ] as const) {
        const info = await nats.jsm.consumers.info(stream, durable);
        if (info.num_pending + info.num_ack_pending > 0) return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 250, what: 'sanity-check to consume every detection and track update' },
  );
}

/** Every flag in VA_FLAGS, the latest version (highest count) of each; unreadable messages are left out. */
export async function readFlags(nats: NatsConnectionHandle): Promise<Flag[]> {
  const latest = new Map<string, Flag>();
  for (const bytes of await readStream(nats, STREAMS.flags.name)) {
    let flag: Flag;
    try {
      flag = codecs.flag.decode(bytes);
    } catch {
      continue; // tests put garbage on the bus on purpose
    }
    const known = latest.get(flag.flagId);
    if (!known || flag.count >= known.count) latest.set(flag.flagId, flag);
  }
  return [...latest.values()];
}

export async function readReviews(nats: NatsConnectionHandle): Promise<ReviewDecision[]> {
  return (await readStream(nats, STREAMS.reviews.name)).map((b) => codecs.reviewDecision.decode(b));
}

/** The payloads of every message in a stream, in order. */
export async function readStream(nats: NatsConnectionHandle, stream: string): Promise<Uint8Array[]> {
  let info;
  try {
    info = await nats.jsm.streams.info(stream);
  } catch {
    return [];
  }
  const total = info.state.messages;
  if (total === 0) return [];
  // An ephemeral pull consumer: nats.js's ordered consumer hangs against nats-server 2.9.
  const ci = await nats.jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    inactive_threshold: nanos(30_000),
  });
  const consumer = await nats.js.consumers.get(stream, ci.name);
  const out: Uint8Array[] = [];
  while (out.length < total) {
    const before = out.length;
    for await (const m of await consumer.fetch({ max_messages: Math.min(1000, total - out.length), expires: 2_000 })) {
      out.push(m.data);
      if (m.info.pending === 0 && out.length >= total) break;
    }
    if (out.length === before) break;
  }
  await nats.jsm.consumers.delete(stream, ci.name).catch(() => {});
  return out;
}
