// One service (or any entry point) as its own OS process, the way it runs in production: started
// from its source (tsx) or its build output; its output kept in memory (tests read it) or appended
// to a log file (the launcher's long runs); readiness polled on /readyz; stopped with SIGTERM and,
// past a deadline, SIGKILL. The one process spawner of the launcher and the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { sleep } from './ports.js';
import { REPO_ROOT } from './shared.js';

export interface ProcessSpec {
  /** Repository-relative entry: `services/x/src/main.ts` (run through tsx) or `.../dist/main.js`. */
  entry: string;
  env: Record<string, string>;
  /** Shown in errors; the entry when absent. */
  name?: string;
  /** Output appended to this file; kept in memory (the last megabytes) when absent. */
  logFile?: string;
  /** Its own process group, so a terminal's Ctrl-C reaches only the launcher, which alone decides the order of shutdown. */
  ownProcessGroup?: boolean;
  /** The process exited when nobody asked it to (not after kill() or stop()). */
  onUnexpectedExit?: (code: number) => void;
}

const SETPRIV = '/usr/bin/setpriv';
const MEMORY_LOG_MAX = 2_000_000;

export class ServiceProcess {
  readonly proc: ChildProcess;
  readonly exited: Promise<number>;
  readonly name: string;
  private exitCode: number | undefined;
  private expectExit = false;
  private memoryLog = '';

  constructor(readonly spec: ProcessSpec) {
    this.name = spec.name ?? spec.entry;
    const script = join(REPO_ROOT, spec.entry);
    const nodeArgs = spec.entry.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx', script] : [script];
    // A parent-death signal makes the process shut down (gracefully) when whoever started it dies
    // hard (a killed launcher or test file), so no service outlives it.
    const [command, args] = existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'TERM', '--', process.execPath, ...nodeArgs]]
      : [process.execPath, nodeArgs];
    const log = spec.logFile === undefined ? undefined : openSync(spec.logFile, 'a');
    this.proc = spawn(command, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...spec.env },
      stdio: log === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', log, log],
      detached: spec.ownProcessGroup ?? false,
    });
    if (log !== undefined) closeSync(log);
    const append = (chunk: Buffer) => {
      this.memoryLog += chunk.toString();
      if (this.memoryLog.length > MEMORY_LOG_MAX) this.memoryLog = this.memoryLog.slice(-MEMORY_LOG_MAX / 2);
    };
    this.proc.stdout?.on('data', append);
    this.proc.stderr?.on('data', append);
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exitCode = code ?? 128 + (signal ? constants.signals[signal] : 15);
        if (!this.expectExit) spec.onUnexpectedExit?.(this.exitCode);
        resolve(this.exitCode);
      });
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Everything the process wrote (JSON log lines), newest last: the memory log, or the log file's last megabyte. */
  output(): string {
    return this.spec.logFile === undefined ? this.memoryLog : this.logTail(MEMORY_LOG_MAX / 2);
  }

  /** The parsed JSON log lines. */
  logs(): Array<Record<string, unknown>> {
    return this.output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  /** The last `bytes` of the output. */
  logTail(bytes = 4000): string {
    if (this.spec.logFile === undefined) return this.memoryLog.slice(-bytes);
    try {
      const fd = openSync(this.spec.logFile, 'r');
      try {
        const size = fstatSync(fd).size;
        const buf = Buffer.alloc(Math.min(bytes, size));
        readSync(fd, buf, 0, buf.length, size - buf.length);
        return buf.toString();
      } finally {
        closeSync(fd);
      }
    } catch {
      return '';
    }
  }

  /** Polls http://127.0.0.1:<httpPort>/readyz until it answers 200; fails when the process exits or `timeoutMs` passes. */
  async waitReady(httpPort: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    for (;;) {
      if (!this.running)
        throw new Error(
          `${this.name} exited with ${this.exitCode} while starting; ${this.whereOutputIs()}:\n${this.logTail(3000)}`,
        );
      try {
        const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
        last = await res.text();
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > deadline)
        throw new Error(
          `${this.name} not ready after ${Math.round(timeoutMs / 1000)} s (${last}); ${this.whereOutputIs()}:\n${this.logTail(3000)}`,
        );
      await sleep(250);
    }
  }

  /** Sends a signal; the exit that follows counts as expected (a crash the caller provokes too). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.expectExit = true;
    if (this.running) this.proc.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `forceAfterMs`; resolves with the exit code. */
  async stop(forceAfterMs = 15_000): Promise<number> {
    this.expectExit = true;
    if (!this.running) return this.exitCode as number;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), forceAfterMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** Resident memory from /proc (Linux), undefined when the process is gone. */
  rssBytes(): number | undefined {
    if (!this.running || !this.pid) return undefined;
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
      return kb ? Number(kb) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  private whereOutputIs(): string {
    return this.spec.logFile === undefined ? '--- output ---' : `log ${this.spec.logFile}`;
  }
}

/** A TypeScript entry point (a service's src/main.ts or a test fixture) from source, its output in memory, logging at info. */
export function spawnService(entry: string, env: Record<string, string>): ServiceProcess {
  return new ServiceProcess({ entry, env: { VA_LOG_LEVEL: 'info', ...env } });
}
