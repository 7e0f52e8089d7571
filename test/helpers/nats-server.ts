import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.js';

export interface TestNatsServer {
  url: string;
  port: number;
  /** The monitoring endpoint (/varz, /connz, /healthz). */
  monitorUrl: string;
  storeDir: string;
  /** The server's process id while it runs (for CPU accounting). */
  readonly pid: number | undefined;
  /** Stops the server (SIGTERM); JetStream data stays for restart(). */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Stops it and deletes its data. */
  dispose(): Promise<void>;
}

/**
 * A real nats-server (Debian package nats-server) with JetStream, on a free port and its own
 * store folder, for one test file.
 */
export async function startNatsServer(): Promise<TestNatsServer> {
  let port = await freePort();
  let monitorPort = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'va-nats-'));
  let proc: ChildProcess | undefined;

  const start = async () => {
    const conf = join(storeDir, 'nats.conf');
    writeFileSync(conf, `listen: 127.0.0.1:${port}\nhttp: 127.0.0.1:${monitorPort}\nmax_payload: 8MB\njetstream { store_dir: "${storeDir}" }\n`);
    proc = spawn('nats-server', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    proc.once('error', (err) => {
      stderr += `\n${err.message}`;
    });
    const exited = new Promise<never>((_, reject) =>
      proc?.once('exit', () => reject(new Error(`nats-server exited: ${stderr || 'is nats-server installed? apt-get install nats-server'}`))),
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
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    storeDir,
    get pid() {
      return proc?.exitCode === null ? proc.pid : undefined;
    },
    stop,
    restart: start,
    dispose: async () => {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
