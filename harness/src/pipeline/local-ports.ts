// Ports for a pipeline on this machine: the user-facing defaults (checked free first, so a second
// demo fails with a clear message instead of half-starting), or free ones for tests and load runs.
import { createServer } from 'node:net';
import { DEFAULT_PORTS, SERVICE_NAMES, type ServiceName, type ServicePorts } from './service-catalog.js';

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port that was free a moment ago on 127.0.0.1. Ports are drawn at random from 20000-32000,
 * below Linux's ephemeral range (32768+): the kernel's own `listen(0)` picks come from that range
 * and are handed out again soon after, so two test files running side by side would often get the
 * same one; random picks from a range the kernel does not use rarely collide.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await portIsFree(port)) return port;
  }
  throw new Error('no free port found in 20000-32000');
}

export async function freeServicePorts(): Promise<Record<ServiceName, ServicePorts>> {
  const out = {} as Record<ServiceName, ServicePorts>;
  const taken = new Set<number>();
  const next = async () => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) return (taken.add(p), p);
    }
  };
  for (const name of SERVICE_NAMES) out[name] = { grpc: await next(), http: await next() };
  return out;
}

/** The default ports, or an error naming every one that is taken. */
export async function defaultServicePorts(): Promise<Record<ServiceName, ServicePorts>> {
  const taken: string[] = [];
  for (const name of SERVICE_NAMES) {
    for (const [kind, port] of Object.entries(DEFAULT_PORTS[name])) {
      if (!(await portIsFree(port))) taken.push(`${port} (${name} ${kind})`);
    }
  }
  if (taken.length > 0)
    throw new Error(
      `ports in use: ${taken.join(', ')}; is another pipeline running? Stop it, or use free ports (--ports=free)`,
    );
  return DEFAULT_PORTS;
}
