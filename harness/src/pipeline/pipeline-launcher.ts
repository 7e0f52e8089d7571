// The one launcher for the whole pipeline on this machine, used by the demo, the end-to-end tests,
// the load tests and the e2e benchmark: the five services as separate processes with one
// consistent configuration, started together, ready-checked, stopped in pipeline order.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceProcess } from '../service-process.js';
import { pipelineClients, type PipelineClients } from './pipeline-clients.js';
import { grpcAddresses, serviceEnv, type PipelineSettings } from './pipeline-env.js';
import { entryPoint, SERVICE_NAMES, STOP_ORDER, type ServiceName } from './service-catalog.js';

export interface LaunchOptions {
  settings: PipelineSettings;
  /** `source`: src/main.ts through tsx (tests, no build needed); `dist`: the build output (demo). */
  runtime: 'source' | 'dist';
  /** One `<service>.log` per service is appended here. */
  logDir: string;
  /** Start-up deadline per service; model loading on a busy 2-core machine takes a while. */
  readyTimeoutMs?: number;
  /** A service that exits when nobody asked it to (a crash, a bad config). */
  onUnexpectedExit?: (name: ServiceName, code: number, logTail: string) => void;
}

/** Shutdown deadlines handed to every service; the launcher's own SIGKILL comes a little later. */
const GRACE_MS = 10_000;
const FORCE_MS = 3_000;

export class Pipeline {
  private readonly processes = new Map<ServiceName, ServiceProcess>();
  readonly addresses: Record<ServiceName, string>;
  readonly clients: PipelineClients;
  private stopping = false;

  private constructor(private readonly options: LaunchOptions) {
    this.addresses = grpcAddresses(options.settings);
    this.clients = pipelineClients(this.addresses, options.settings.tokens);
  }

  /** Starts all five services at once and resolves when every one answers /readyz with 200. */
  static async launch(options: LaunchOptions): Promise<Pipeline> {
    mkdirSync(options.logDir, { recursive: true });
    const pipeline = new Pipeline(options);
    for (const name of SERVICE_NAMES) pipeline.spawn(name);
    try {
      await Promise.all(
        SERVICE_NAMES.map((name) =>
          pipeline.service(name).waitReady(options.settings.ports[name].http, options.readyTimeoutMs ?? 180_000),
        ),
      );
    } catch (err) {
      await pipeline.stop();
      throw err;
    }
    return pipeline;
  }

  get settings(): PipelineSettings {
    return this.options.settings;
  }

  service(name: ServiceName): ServiceProcess {
    const p = this.processes.get(name);
    if (!p) throw new Error(`${name} was never started`);
    return p;
  }

  httpUrl(name: ServiceName, path = '/metrics'): string {
    return `http://127.0.0.1:${this.options.settings.ports[name].http}${path}`;
  }

  logFile(name: ServiceName): string {
    return join(this.options.logDir, `${name}.log`);
  }

  /** Sends a signal to one service, e.g. SIGKILL to simulate a crash; restart() brings it back. */
  kill(name: ServiceName, signal: NodeJS.Signals): Promise<number> {
    const p = this.service(name);
    p.kill(signal);
    return p.exited;
  }

  /** Starts a service again with the same settings and ports (after kill or a crash) and waits until it is ready. */
  async restart(name: ServiceName): Promise<void> {
    const old = this.processes.get(name);
    if (old?.running) await old.stop(GRACE_MS + FORCE_MS + 2_000);
    await this.spawn(name).waitReady(this.options.settings.ports[name].http, this.options.readyTimeoutMs ?? 180_000);
  }

  /** Stops every service in pipeline order (SIGTERM, SIGKILL past the deadline); resolves with the exit codes. */
  async stop(): Promise<Partial<Record<ServiceName, number>>> {
    this.stopping = true;
    this.clients.close();
    const codes: Partial<Record<ServiceName, number>> = {};
    for (const group of STOP_ORDER) {
      await Promise.all(
        group.map(async (name) => {
          const p = this.processes.get(name);
          if (p) codes[name] = await p.stop(GRACE_MS + FORCE_MS + 2_000);
        }),
      );
    }
    return codes;
  }

  private spawn(name: ServiceName): ServiceProcess {
    const { settings, runtime } = this.options;
    const p = new ServiceProcess({
      name,
      entry: entryPoint(name, runtime),
      env: {
        VA_SHUTDOWN_GRACE_MS: String(GRACE_MS),
        VA_SHUTDOWN_FORCE_MS: String(FORCE_MS),
        ...serviceEnv(name, settings),
      },
      logFile: this.logFile(name),
      ownProcessGroup: true,
      onUnexpectedExit: (code) => {
        if (!this.stopping) this.options.onUnexpectedExit?.(name, code, p.logTail());
      },
    });
    this.processes.set(name, p);
    return p;
  }
}
