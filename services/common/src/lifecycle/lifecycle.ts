import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';

/** Health moves INITIALIZING -> STARTING -> RUNNING -> STOPPING -> STOPPED; ready only when RUNNING. */
export type ServiceState = 'INITIALIZING' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED';

/**
 * Shutdown runs phase by phase, in this order; the steps of one phase run together.
 * intake: stop taking new work (drain subscriptions and consumers, stop sources).
 * streams: end server streams so they do not block the server's shutdown.
 * server: let in-flight RPCs finish (tryShutdown).
 * flush: write out what is buffered (bulk indexers, pending publishes).
 * connections: close NATS (drain), Elasticsearch, the ops HTTP server.
 */
export const SHUTDOWN_PHASES = ['intake', 'streams', 'server', 'flush', 'connections'] as const;
export type ShutdownPhase = (typeof SHUTDOWN_PHASES)[number];

export interface ShutdownStep {
  name: string;
  phase: ShutdownPhase;
  graceful: () => Promise<void> | void;
  /** Called for steps still unfinished when the grace deadline passes. */
  force?: () => Promise<void> | void;
}

export type ReadinessCheck = () => true | string;

export interface LifecycleOptions {
  log: Logger;
  graceMs: number;
  forceMs: number;
  exit?: (code: number) => void;
}

export class Lifecycle {
  private current: ServiceState = 'INITIALIZING';
  private readonly listeners: Array<(state: ServiceState) => void> = [];
  private readonly readinessChecks = new Map<string, ReadinessCheck>();
  private readonly steps: ShutdownStep[] = [];
  private stopping: Promise<number> | undefined;
  private readonly exit: (code: number) => void;
  private readonly log: Logger;

  constructor(private readonly options: LifecycleOptions) {
    this.log = options.log.child({ component: 'lifecycle' });
    this.exit = options.exit ?? ((code) => process.exit(code));
  }

  get state(): ServiceState {
    return this.current;
  }

  get isShuttingDown(): boolean {
    return this.stopping !== undefined;
  }

  onStateChange(listener: (state: ServiceState) => void): void {
    this.listeners.push(listener);
  }

  setState(state: ServiceState): void {
    if (state === this.current) return;
    this.log.info({ from: this.current, to: state }, 'service state');
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }

  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.readinessChecks.set(name, check);
  }

  /** Ready only while RUNNING and every check passes; the reasons say what is missing. */
  readiness(): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.current !== 'RUNNING') reasons.push(`state is ${this.current}`);
    for (const [name, check] of this.readinessChecks) {
      let result: true | string;
      try {
        result = check();
      } catch (err) {
        result = errorMessage(err);
      }
      if (result !== true) reasons.push(`${name}: ${result}`);
    }
    return { ready: reasons.length === 0, reasons };
  }

  onShutdown(step: ShutdownStep): void {
    this.steps.push(step);
  }

  /** SIGTERM and SIGINT start a graceful shutdown; the handlers go after the first signal, so a second one kills. */
  installSignalHandlers(): void {
    const handler = (signal: NodeJS.Signals) => {
      process.removeListener('SIGTERM', handler);
      process.removeListener('SIGINT', handler);
      void this.shutdown(`signal ${signal}`);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  }

  /** Runs the shutdown once; later calls get the same promise. Resolves with the exit code it used. */
  shutdown(reason: string): Promise<number> {
    this.stopping ??= this.runShutdown(reason);
    return this.stopping;
  }

  private async runShutdown(reason: string): Promise<number> {
    this.setState('STOPPING');
    this.log.info({ reason, graceMs: this.options.graceMs }, 'shutting down');
    const pending = new Set(this.steps);
    let failed = false;

    const graceful = (async () => {
      for (const phase of SHUTDOWN_PHASES) {
        const inPhase = this.steps.filter((s) => s.phase === phase);
        await Promise.all(
          inPhase.map(async (step) => {
            try {
              await step.graceful();
            } catch (err) {
              failed = true;
              this.log.error({ step: step.name, err }, 'shutdown step failed');
            } finally {
              pending.delete(step);
            }
          }),
        );
      }
    })();

    const timedOut = await raceTimeout(graceful, this.options.graceMs);
    let code = failed ? 1 : 0;
    if (timedOut) {
      code = 1;
      const hung = [...pending].map((s) => s.name);
      this.log.error({ hung, graceMs: this.options.graceMs }, 'graceful shutdown deadline passed; forcing');
      const forced = Promise.all(
        [...pending].map(async (step) => {
          try {
            await step.force?.();
          } catch (err) {
            this.log.error({ step: step.name, err }, 'forced shutdown step failed');
          }
        }),
      );
      await raceTimeout(forced, this.options.forceMs);
    }
    this.setState('STOPPED');
    this.log.info({ exitCode: code }, 'stopped');
    this.log.flush?.();
    this.exit(code);
    return code;
  }
}

/** Resolves true when `ms` passed before `work` settled. */
async function raceTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
  });
  try {
    return await Promise.race([work.then(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
