import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './shared.js';
import { waitFor } from './ports.js';

export interface ServiceProcess {
  proc: ChildProcess;
  /** Everything the process wrote (JSON log lines), newest last. */
  output(): string;
  /** Parsed JSON log lines. */
  logs(): Array<Record<string, unknown>>;
  /** Resolves with the exit code (or 128+signal). */
  exited: Promise<number>;
  /** Polls http://127.0.0.1:<httpPort>/readyz until 200. */
  waitReady(httpPort: number, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number>;
}

/**
 * Runs a TypeScript entry point (a service's src/main.ts or a test fixture) as its own
 * process, the way it runs in production, from source through tsx.
 */
export function spawnService(entry: string, env: Record<string, string>): ServiceProcess {
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { ...process.env, VA_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const append = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  proc.stdout?.on('data', append);
  proc.stderr?.on('data', append);
  const exited = new Promise<number>((resolve) => {
    proc.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
  });
  let exitCode: number | undefined;
  void exited.then((code) => (exitCode = code));
  const handle: ServiceProcess = {
    proc,
    output: () => out,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    exited,
    waitReady: async (httpPort, timeoutMs = 30_000) => {
      await waitFor(
        async () => {
          if (exitCode !== undefined) throw new Error(`${entry} exited with ${exitCode}:\n${out.slice(-3000)}`);
          const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined);
          return res?.status === 200;
        },
        { timeoutMs, what: `${entry} to become ready` },
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\n--- output ---\n${out.slice(-3000)}`);
      });
    },
    kill: (signal = 'SIGTERM') => {
      if (exitCode === undefined) proc.kill(signal);
    },
    stop: async (timeoutMs = 15_000) => {
      if (exitCode !== undefined) return exitCode;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return handle;
}
