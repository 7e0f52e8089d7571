import { readFileSync } from 'node:fs';
import {
  connect,
  type ConnectionOptions,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import type { JetStreamLimits, NatsConfig } from '../config/nats.js';
import { UnavailableError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { inboxPrefix } from './bus-identities.js';

/**
 * One NATS connection per process. It reconnects for ever; readiness follows its
 * connected state. `drain()` finishes what was received and flushes what was published.
 */
export class NatsConnectionHandle {
  private connected = true;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    /** The limits this process declares streams and durable consumers with (NatsConfig.jetstream). */
    readonly jetstream: JetStreamLimits,
    private readonly log: Logger,
  ) {
    void this.watchStatus();
  }

  static async connect(
    config: NatsConfig,
    options: { name: string; log: Logger; timeoutMs?: number },
  ): Promise<NatsConnectionHandle> {
    const log = options.log.child({ component: 'nats' });
    const connectOptions: ConnectionOptions = {
      servers: config.servers,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
      timeout: options.timeoutMs ?? 5_000,
      pingInterval: 10_000,
      // Each user may subscribe only to its own inbox prefix (bus-identities.ts), so nobody reads another's replies.
      ...(config.user ? { user: config.user, pass: config.password, inboxPrefix: inboxPrefix(config.user) } : {}),
      ...(config.token ? { token: config.token } : {}),
      ...(config.tls
        ? {
            tls: {
              ...(config.tls.caFile ? { ca: readFileSync(config.tls.caFile, 'utf8') } : {}),
              ...(config.tls.certFile ? { cert: readFileSync(config.tls.certFile, 'utf8') } : {}),
              ...(config.tls.keyFile ? { key: readFileSync(config.tls.keyFile, 'utf8') } : {}),
            },
          }
        : {}),
    };
    let nc: NatsConnection;
    try {
      nc = await connect(connectOptions);
    } catch (err) {
      throw new UnavailableError(`cannot connect to NATS at ${config.servers.join(', ')}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    const jsm = await nc.jetstreamManager({ timeout: 10_000 }).catch((err: unknown) => {
      void nc.close();
      throw new UnavailableError(
        `NATS at ${config.servers.join(', ')} has no JetStream (start nats-server with -js): ${errorMessage(err)}`,
        { cause: err },
      );
    });
    log.info({ server: nc.getServer(), tls: Boolean(config.tls) }, 'connected to NATS');
    return new NatsConnectionHandle(nc, nc.jetstream(), jsm, config.jetstream, log);
  }

  get isConnected(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  readinessCheck = (): true | string => (this.isConnected ? true : 'NATS disconnected');

  async drain(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain();
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.close();
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.connected = false;
          this.log.warn({ server: status.data }, 'NATS disconnected');
          break;
        case 'reconnect':
          this.connected = true;
          this.log.info({ server: status.data }, 'NATS reconnected');
          break;
        case 'error':
          this.log.error({ error: String(status.data) }, 'NATS error');
          break;
        case 'ldm':
          this.log.warn('NATS server entering lame-duck mode');
          break;
        default:
          break;
      }
    }
  }
}
