// The main job: runs the five services as separate processes against the local stack, waits
// until each is ready, then prints a live summary until Ctrl-C, when it stops them gracefully.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const stackDir = process.env.VA_STACK_DIR ?? join(root, '.stack');
const logDir = join(stackDir, 'logs', 'services');
mkdirSync(logDir, { recursive: true });

/** In pipeline order: the frame's journey. */
const SERVICES = [
  { name: 'ingest', grpcPort: 50051, httpPort: 9461 },
  { name: 'batching-inference', grpcPort: 50052, httpPort: 9462 },
  { name: 'tracking', grpcPort: 50053, httpPort: 9463 },
  { name: 'embedding-search', grpcPort: 50054, httpPort: 9464 },
  { name: 'sanity-check', grpcPort: 50055, httpPort: 9465 },
] as const;

const tokens = {
  viewer: `viewer-${randomBytes(12).toString('hex')}`,
  operator: `operator-${randomBytes(12).toString('hex')}`,
  admin: `admin-${randomBytes(12).toString('hex')}`,
};
const tokenList = Object.entries(tokens).map(([role, token]) => `${role}:${token}`).join(',');
writeFileSync(join(stackDir, 'demo-tokens.env'), Object.entries(tokens).map(([role, token]) => `VA_${role.toUpperCase()}_TOKEN=${token}`).join('\n') + '\n', { mode: 0o600 });

const children: Array<{ name: string; proc: ChildProcess }> = [];
for (const svc of SERVICES) {
  const log = createWriteStream(join(logDir, `${svc.name}.log`), { flags: 'a' });
  const proc = spawn(process.execPath, [join(root, 'services', svc.name, 'dist', 'main.js')], {
    cwd: root,
    env: {
      ...process.env,
      NATS_URL: process.env.NATS_URL ?? `nats://127.0.0.1:${process.env.VA_NATS_PORT ?? 4222}`,
      VA_GRPC_PORT: String(svc.grpcPort),
      VA_HTTP_PORT: String(svc.httpPort),
      VA_GRPC_TOKENS: tokenList,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  proc.once('exit', (code) => {
    if (!stopping) {
      process.stdout.write(`\n${svc.name} exited with ${code}; see ${join(logDir, `${svc.name}.log`)}\n`);
      void stopAll(1);
    }
  });
  children.push({ name: svc.name, proc });
}

let stopping = false;
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping services...\n');
  await Promise.all(
    children.map(
      ({ proc }) =>
        new Promise<void>((done) => {
          if (proc.exitCode !== null) return done();
          proc.once('exit', () => done());
          proc.kill('SIGTERM');
        }),
    ),
  );
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function ready(port: number): Promise<string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    const body = (await res.json()) as { state: string; reasons: string[] };
    return res.ok ? 'ready' : `${body.state} ${body.reasons.join('; ')}`;
  } catch {
    return 'starting';
  }
}

const deadline = Date.now() + 60_000;
for (;;) {
  const states = await Promise.all(SERVICES.map((s) => ready(s.httpPort)));
  if (states.every((s) => s === 'ready')) break;
  if (Date.now() > deadline) {
    process.stdout.write(`services not ready after 60 s: ${SERVICES.map((s, i) => `${s.name}=${states[i]}`).join(', ')}\n`);
    await stopAll(1);
  }
  await new Promise((r) => setTimeout(r, 300));
}

process.stdout.write('\nAll five services are running (logs in .stack/logs/services, tokens in .stack/demo-tokens.env):\n\n');
process.stdout.write('  service             gRPC              metrics\n');
for (const s of SERVICES) {
  process.stdout.write(`  ${s.name.padEnd(19)} 127.0.0.1:${s.grpcPort}   http://127.0.0.1:${s.httpPort}/metrics\n`);
}
process.stdout.write('\nCtrl-C stops them.\n');
if (process.argv.includes('--once')) await stopAll(0);
