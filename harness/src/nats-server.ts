import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions } from 'nats';
import {
  ensureStreams,
  inboxPrefix,
  loadNatsConfig,
  STREAMS,
  type BusIdentity,
  type JetStreamLimits,
  type NatsConfig,
  type StreamKey,
} from '@va/common';
import { natsClientAuth, natsIdentityEnv, writeNatsCredentials } from './pipeline/nats-credentials.js';
import { freePort, waitFor } from './ports.js';

export interface TestNatsServer {
  url: string;
  port: number;
  /** The monitoring endpoint (/varz, /connz, /healthz). */
  monitorUrl: string;
  storeDir: string;
  /** The server's process id while it runs (for CPU accounting). */
  readonly pid: number | undefined;
  /** Passwords of the NATS users (harness/src/pipeline/nats-credentials.ts); undefined without auth. */
  credentialsDir?: string;
  /** NATS_URL, NATS_USER and NATS_PASSWORD_FILE of a process connecting as `identity`. */
  env(identity: BusIdentity): Record<string, string>;
  /** Options for `connect()` of the nats package, as `identity` (default admin). */
  clientOptions(identity?: BusIdentity): ConnectionOptions;
  /** The NatsConfig for NatsConnectionHandle.connect, as `identity` (default admin). */
  config(limits: JetStreamLimits, identity?: BusIdentity): NatsConfig;
  /** What the server refused a client (its "Publish Violation" / "Subscription Violation" log lines). */
  permissionViolations(): string[];
  /** Stops the server (SIGTERM); JetStream data stays for restart(). */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Stops it and deletes its data. */
  dispose(): Promise<void>;
}

export interface NatsServerOptions {
  /**
   * One user per service with the permissions of services/common/src/nats/bus-identities.ts and
   * no anonymous access, as every deployment runs (default). The streams are then provisioned
   * by the admin user at start, as the local stack does, since service users may not create them.
   */
  auth?: boolean;
  /** With auth, whether the admin provisions the streams at start (default true). */
  provision?: boolean;
}

const servers = new Map<string, TestNatsServer>();

/**
 * A real nats-server (Debian package nats-server) with JetStream, on a free port and its own
 * store folder, for one test file.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<TestNatsServer> {
  const auth = options.auth ?? true;
  let port = await freePort();
  let monitorPort = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'va-nats-'));
  const credentials = auth ? writeNatsCredentials(join(storeDir, 'credentials')) : undefined;
  let proc: ChildProcess | undefined;
  const violations: string[] = [];

  const start = async () => {
    const conf = join(storeDir, 'nats.conf');
    const include = credentials ? 'include "credentials/authorization.conf"\n' : '';
    writeFileSync(
      conf,
      `listen: 127.0.0.1:${port}\nhttp: 127.0.0.1:${monitorPort}\nmax_payload: 8MB\njetstream { store_dir: "${storeDir}" }\n${include}`,
    );
    proc = spawn('nats-server', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
      for (const line of chunk.toString().split('\n'))
        if (/Violation/.test(line) && violations.length < 100) violations.push(line.trim());
    });
    proc.once('error', (err) => {
      stderr += `\n${err.message}`;
    });
    const exited = new Promise<never>((_, reject) =>
      proc?.once('exit', () =>
        reject(new Error(`nats-server exited: ${stderr || 'is nats-server installed? apt-get install nats-server'}`)),
      ),
    );
    exited.catch(() => {});
    const healthy = waitFor(
      async () => (await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`)).ok,
      { timeoutMs: 15_000, what: 'nats-server to start' },
    );
    await Promise.race([healthy, exited]);
  };

  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGTERM');
    await exited;
  };

  // freePort() only says a port was free a moment ago; another test file may take it before
  // nats-server binds. Then pick new ports and try again.
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (err) {
      if (attempt >= 5 || !/address already in use/.test(String(err))) throw err;
      port = await freePort();
      monitorPort = await freePort();
    }
  }
  const url = `nats://127.0.0.1:${port}`;
  const clientAuth = (identity: BusIdentity) => (credentials ? natsClientAuth(credentials.dir, identity) : undefined);
  // A user other than admin may subscribe only to its own inbox prefix.
  const inbox = (identity: BusIdentity) =>
    credentials && identity !== 'admin' ? { inboxPrefix: inboxPrefix(identity) } : {};
  const server: TestNatsServer = {
    url,
    port,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    storeDir,
    get pid() {
      return proc?.exitCode === null ? proc.pid : undefined;
    },
    ...(credentials ? { credentialsDir: credentials.dir } : {}),
    env: (identity) => ({ NATS_URL: url, ...(credentials ? natsIdentityEnv(credentials.dir, identity) : {}) }),
    clientOptions: (identity = 'admin') => ({ servers: url, ...clientAuth(identity), ...inbox(identity) }),
    config: (limits, identity = 'admin') => {
      const a = clientAuth(identity);
      return { servers: [url], jetstream: limits, ...(a ? { user: a.user, password: a.pass } : {}) };
    },
    permissionViolations: () => [...violations],
    stop,
    restart: start,
    dispose: async () => {
      servers.delete(url);
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
  if (credentials && (options.provision ?? true)) await provisionStreams(server);
  servers.set(url, server);
  return server;
}

/** What the admin does before the services start (deploy/local/stack.sh): every stream, with the services' default limits. */
async function provisionStreams(server: TestNatsServer): Promise<void> {
  const nc = await connect(server.clientOptions('admin'));
  try {
    await ensureStreams(await nc.jetstreamManager(), Object.keys(STREAMS) as StreamKey[], loadNatsConfig({}).jetstream);
  } finally {
    await nc.close();
  }
}

/**
 * The server a test helper was handed by URL: helpers that take `natsUrl` give the process they
 * start its own NATS user this way. A URL not started here (a refused port) gets no credentials.
 */
export function natsEnvFor(url: string, identity: BusIdentity): Record<string, string> {
  return servers.get(url)?.env(identity) ?? { NATS_URL: url };
}

export function natsClientOptionsFor(url: string, identity: BusIdentity = 'admin'): ConnectionOptions {
  return servers.get(url)?.clientOptions(identity) ?? { servers: url };
}

export function natsConfigFor(url: string, limits: JetStreamLimits, identity: BusIdentity = 'admin'): NatsConfig {
  return servers.get(url)?.config(limits, identity) ?? { servers: [url], jetstream: limits };
}
