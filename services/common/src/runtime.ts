import type { Registry } from 'prom-client';
import type { BaseConfig } from './config/base.js';
import type { GrpcServerConfig } from './config/grpc.js';
import type { NatsConfig } from './config/nats.js';
import { ConfigError } from './errors.js';
import { HealthRegistry, ServingStatus } from './grpc/health.js';
import { GrpcServer } from './grpc/server.js';
import { Lifecycle, type ShutdownStep } from './lifecycle/lifecycle.js';
import { createLogger, type Logger } from './log.js';
import { OpsServer } from './metrics/ops-server.js';
import { createRegistry, metricPrefix } from './metrics/registry.js';
import { NatsConnectionHandle } from './nats/connection.js';
import { ConsumerMetrics } from './nats/consumers.js';
import { PublishRefusals } from './nats/publish-refusals.js';
import { StreamUsage } from './nats/stream-usage.js';
import { ensureStreams, STREAMS, type StreamKey } from './nats/streams.js';

/**
 * What every service process has: one logger, one metrics registry, the ops HTTP port,
 * gRPC health, and a lifecycle that shuts the pieces down in order. A service's main.ts
 * creates one, attaches NATS and gRPC, wires its own components, then calls running().
 */
export class ServiceRuntime {
  readonly registry: Registry;
  readonly lifecycle: Lifecycle;
  readonly health = new HealthRegistry();
  readonly metricPrefix: string;
  private ops: OpsServer | undefined;
  private consumerMetricsInstance: ConsumerMetrics | undefined;
  private publishRefusalsInstance: PublishRefusals | undefined;
  opsPort: number | undefined;

  private constructor(
    readonly service: string,
    readonly base: BaseConfig,
    readonly log: Logger,
  ) {
    this.registry = createRegistry();
    this.metricPrefix = metricPrefix(metricServiceName(service));
    this.lifecycle = new Lifecycle({ log, graceMs: base.shutdownGraceMs, forceMs: base.shutdownForceMs });
    this.lifecycle.onStateChange((state) => {
      this.health.setAll(state === 'RUNNING' ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    });
  }

  static async create(service: string, base: BaseConfig, log?: Logger): Promise<ServiceRuntime> {
    const runtime = new ServiceRuntime(service, base, log ?? createLogger(service, base.logLevel));
    runtime.lifecycle.installSignalHandlers();
    runtime.lifecycle.setState('STARTING');
    const ops = new OpsServer({
      host: base.httpHost,
      port: base.httpPort,
      registry: runtime.registry,
      lifecycle: runtime.lifecycle,
      log: runtime.log,
    });
    runtime.opsPort = await ops.start();
    runtime.ops = ops;
    runtime.log.info({ port: runtime.opsPort }, 'ops HTTP listening (/metrics, /healthz, /readyz)');
    runtime.onShutdown({ name: 'ops-http', phase: 'connections', graceful: () => ops.close() });
    return runtime;
  }

  onShutdown(step: ShutdownStep): void {
    this.lifecycle.onShutdown(step);
  }

  /** Counters for decoding and handling bus messages, shared by all of this service's subscriptions. */
  get consumerMetrics(): ConsumerMetrics {
    this.consumerMetricsInstance ??= new ConsumerMetrics(this.registry, this.metricPrefix);
    return this.consumerMetricsInstance;
  }

  /** Publishes JetStream refused (a full stream), counted by stream and reason for this service. */
  get publishRefusals(): PublishRefusals {
    this.publishRefusalsInstance ??= new PublishRefusals(this.registry, this.metricPrefix);
    return this.publishRefusalsInstance;
  }

  /**
   * Connects, declares the JetStream streams this service touches, exports their usage
   * (va_jetstream_stream_usage_ratio), and drains on shutdown.
   */
  async connectNats(config: NatsConfig, streams: StreamKey[] = []): Promise<NatsConnectionHandle> {
    const nats = await NatsConnectionHandle.connect(config, { name: this.service, log: this.log });
    if (streams.length > 0) {
      // A service with its own NATS user may not manage streams (bus-identities.ts): it checks them.
      const { notUpdated } = await ensureStreams(nats.jsm, streams, config.jetstream, {
        verifyOnly: Boolean(config.user),
      });
      if (notUpdated.length > 0)
        this.log.warn(
          { streams: notUpdated },
          'JetStream streams differ from VA_JS_* here; left as provisioned (only the admin user may change them)',
        );
      const usage = new StreamUsage(
        this.registry,
        nats.jsm,
        streams.map((key) => STREAMS[key].name),
        this.log,
      );
      usage.start(config.jetstream.usagePollMs);
      this.onShutdown({ name: 'stream-usage', phase: 'connections', graceful: () => usage.stop() });
    }
    this.lifecycle.addReadinessCheck('nats', nats.readinessCheck);
    this.onShutdown({ name: 'nats', phase: 'connections', graceful: () => nats.drain(), force: () => nats.close() });
    return nats;
  }

  /** A gRPC server with grpc.health.v1 already added; its streams end and its calls drain on shutdown. */
  grpcServer(config: GrpcServerConfig): GrpcServer {
    const server = new GrpcServer({ config, registry: this.registry, log: this.log });
    server.addService(this.health.definition, this.health.implementation, this.health.roles);
    this.onShutdown({ name: 'grpc-streams', phase: 'streams', graceful: () => server.abortStreams() });
    this.onShutdown({
      name: 'grpc',
      phase: 'server',
      graceful: () => server.tryShutdown(),
      force: () => server.forceShutdown(),
    });
    return server;
  }

  /** Registers a gRPC service name with the health registry (NOT_SERVING until running()). */
  registerHealth(serviceName: string): void {
    this.health.register(serviceName);
  }

  running(): void {
    this.lifecycle.setState('RUNNING');
  }
}

/** Metric names use the short service name: va_ingest_, va_inference_, va_tracking_, va_search_, va_sanity_. */
export function metricServiceName(service: string): string {
  const short: Record<string, string> = {
    'batching-inference': 'inference',
    'embedding-search': 'search',
    'sanity-check': 'sanity',
  };
  return short[service] ?? service;
}

/**
 * Runs a service's start-up. A configuration error prints every bad key and exits 2;
 * any other start-up failure is logged and exits 1.
 */
export function runMain(service: string, start: () => Promise<unknown>): void {
  start().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: ${err.message}\n`);
      process.exit(2);
    }
    const log = createLogger(service, 'info');
    log.fatal({ err }, 'start-up failed');
    log.flush?.();
    process.exit(1);
  });
}
