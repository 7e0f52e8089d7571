// One service as its own OS process: started from its source (tsx) or its build output, output
// appended to a log file, readiness polled on /readyz, stopped with SIGTERM and, past a deadline,
// SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcessSpec {
  /** Shown in errors. */
  name: string;
  /** Repository-relative entry: `services/x/src/main.ts` (run through tsx) or `.../dist/main.js`. */
  entry: string;
  root: string;
  env: Record<string, string>;
  httpPort: number;
  logFile: string;
}

const SETPRIV = '/usr/bin/setpriv';

export class ManagedProcess {
  private child: ChildProcess;
  private exitCode: number | undefined;
  readonly exited: Promise<number>;
  private expectExit = false;

  constructor(
    readonly spec: ProcessSpec,
    onUnexpectedExit: (code: number) => void,
  ) {
    const script = join(spec.root, spec.entry);
    const nodeArgs = spec.entry.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx', script] : [script];
    // A parent-death signal makes a service shut down (gracefully) when the launcher dies hard;
    // its own process group keeps a terminal's Ctrl-C away from it, so the launcher alone decides
    // the order of shutdown.
    const [command, args] = existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'TERM', '--', process.execPath, ...nodeArgs]]
      : [process.execPath, nodeArgs];
    const log = openSync(spec.logFile, 'a');
    this.child = spawn(command, args, {
      cwd: spec.root,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15);
        if (!this.expectExit) onUnexpectedExit(this.exitCode);
        resolve(this.exitCode);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The last `bytes` of the log file. */
  logTail(bytes = 4000): string {
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

  /** Polls /readyz until it answers 200; fails when the process exits or `timeoutMs` passes. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    for (;;) {
      if (!this.running) throw new Error(`${this.spec.name} exited with ${this.exitCode} while starting; log ${this.spec.logFile}:\n${this.logTail()}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.spec.httpPort}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
        last = await res.text();
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > deadline) throw new Error(`${this.spec.name} not ready after ${Math.round(timeoutMs / 1000)} s (${last}); log ${this.spec.logFile}:\n${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Sends a signal without expecting the exit (a crash the caller provokes is still "expected"). */
  kill(signal: NodeJS.Signals): void {
    this.expectExit = true;
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `forceAfterMs`; resolves with the exit code. */
  async stop(forceAfterMs: number): Promise<number> {
    this.expectExit = true;
    if (!this.running) return this.exitCode as number;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), forceAfterMs);
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
}
