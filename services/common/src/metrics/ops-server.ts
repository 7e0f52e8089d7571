import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Logger } from '../log.js';

/**
 * The operations port: /metrics (Prometheus text), /healthz (liveness: the process
 * answers and has not stopped) and /readyz (200 only when RUNNING and every readiness
 * check passes; 503 with the reasons otherwise).
 */
export class OpsServer {
  private server: Server | undefined;

  constructor(
    private readonly options: { host: string; port: number; registry: Registry; lifecycle: Lifecycle; log: Logger },
  ) {}

  async start(): Promise<number> {
    const { registry, lifecycle, log } = this.options;
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/metrics') {
        registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
          (err: unknown) => {
            log.error({ err }, 'metrics collection failed');
            res.writeHead(500).end();
          },
        );
      } else if (path === '/healthz') {
        const alive = lifecycle.state !== 'STOPPED';
        json(res, alive ? 200 : 503, { status: alive ? 'ok' : 'stopped', state: lifecycle.state });
      } else if (path === '/readyz') {
        const { ready, reasons } = lifecycle.readiness();
        json(res, ready ? 200 : 503, { ready, state: lifecycle.state, reasons });
      } else {
        json(res, 404, { error: 'not found', paths: ['/metrics', '/healthz', '/readyz'] });
      }
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
