import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, unary } from '@va/common';
import { IngestServiceClient } from '@va/proto/va/ingest/v1/ingest';
import { codeOf, healthStatus, ServingStatus } from '../../helpers/grpc.js';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { freePort, sleep, waitFor } from '@va/harness/ports';
import { spawnService, type ServiceProcess } from '@va/harness/service-process';
import { testToken } from '@va/harness/tokens';

const TOKEN = testToken('viewer');

async function startFixture(nats: TestNatsServer, env: Record<string, string> = {}) {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const proc = spawnService('test/fixtures/slow-service.ts', {
    // It declares VA_DETECTIONS, as batching-inference does.
    ...nats.env('batching-inference'),
    VA_HTTP_PORT: String(httpPort),
    VA_GRPC_PORT: String(grpcPort),
    VA_GRPC_HOST: '127.0.0.1',
    VA_GRPC_TOKENS: `viewer:${TOKEN}`,
    ...env,
  });
  return { proc, httpPort, address: `127.0.0.1:${grpcPort}` };
}

const readyz = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status;

describe('service start-up, health and graceful shutdown (real process, real NATS)', () => {
  let nats: TestNatsServer;
  const running: ServiceProcess[] = [];
  before(async () => {
    nats = await startNatsServer();
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop(2_000)));
    await nats.dispose();
  });

  it('reports health SERVING and ready once running; NOT_SERVING and 503 while stopping; in-flight work finishes; exit 0', async () => {
    const svc = await startFixture(nats);
    running.push(svc.proc);
    await svc.proc.waitReady(svc.httpPort);
    assert.equal(await healthStatus(svc.address), ServingStatus.SERVING);
    assert.equal(await healthStatus(svc.address, 'va.ingest.v1.IngestService'), ServingStatus.SERVING);
    assert.equal((await fetch(`http://127.0.0.1:${svc.httpPort}/healthz`)).status, 200);

    const client = createClient(IngestServiceClient, { address: svc.address, token: TOKEN });
    const inFlight = unary(client.getStream.bind(client), { cameraId: 'sleep-1500' });
    await sleep(300);
    svc.proc.kill('SIGTERM');
    await waitFor(async () => (await readyz(svc.httpPort)) === 503, { what: 'readiness to turn off' });
    const response = await inFlight;
    assert.equal(response.status?.framesRead, 1500, 'the in-flight call completed with its answer');
    assert.equal(await svc.proc.exited, 0);
    const states = svc.proc
      .logs()
      .filter((l) => l.msg === 'service state')
      .map((l) => l.to);
    assert.deepEqual(states, ['STARTING', 'RUNNING', 'STOPPING', 'STOPPED']);
  });

  it('refuses new calls once stopping', async () => {
    const svc = await startFixture(nats);
    running.push(svc.proc);
    await svc.proc.waitReady(svc.httpPort);
    const client = createClient(IngestServiceClient, { address: svc.address, token: TOKEN });
    const inFlight = unary(client.getStream.bind(client), { cameraId: 'sleep-1000' });
    await sleep(200);
    svc.proc.kill('SIGTERM');
    await sleep(200);
    const late = createClient(IngestServiceClient, { address: svc.address, token: TOKEN });
    assert.notEqual(await codeOf(unary(late.listStreams.bind(late), {}, { deadlineMs: 2_000 })), 'OK');
    await inFlight;
    assert.equal(await svc.proc.exited, 0);
  });

  it('forces a hung handler after the grace deadline and exits non-zero', async () => {
    const svc = await startFixture(nats, { VA_SHUTDOWN_GRACE_MS: '1000', VA_SHUTDOWN_FORCE_MS: '1000' });
    running.push(svc.proc);
    await svc.proc.waitReady(svc.httpPort);
    const client = createClient(IngestServiceClient, { address: svc.address, token: TOKEN });
    const hung = codeOf(unary(client.getStream.bind(client), { cameraId: 'hang' }));
    await sleep(200);
    svc.proc.kill('SIGTERM');
    const code = await svc.proc.exited;
    assert.notEqual(code, 0);
    assert.notEqual(await hung, 'OK', 'the hung call was cut off');
    const forced = svc.proc.logs().find((l) => l.msg === 'graceful shutdown deadline passed; forcing');
    assert.ok(forced, 'the forced shutdown is logged');
    // The connections phase (nats, the stream-usage poller) never started: the hung gRPC call held the intake phase.
    assert.deepEqual([...(forced.hung as string[])].sort(), ['grpc', 'nats', 'ops-http', 'stream-usage']);
  });

  it('does not become ready without NATS, and exits non-zero with a clear error', async () => {
    const svc = await startFixture(nats, { NATS_URL: `nats://127.0.0.1:${await freePort()}` });
    running.push(svc.proc);
    assert.equal(await svc.proc.exited, 1);
    assert.match(svc.proc.output(), /cannot connect to NATS/);
  });

  it('exits 2 listing every bad setting', async () => {
    const svc = await startFixture(nats, { VA_GRPC_TOKENS: 'bogus', VA_HTTP_PORT: 'x', NATS_URL: 'localhost' });
    running.push(svc.proc);
    assert.equal(await svc.proc.exited, 2);
    for (const key of ['VA_GRPC_TOKENS', 'VA_HTTP_PORT', 'NATS_URL']) assert.match(svc.proc.output(), new RegExp(key));
  });

  it('exits 2 on a placeholder or short gRPC token, naming the key and never printing the token', async () => {
    for (const token of ['change-me-viewer-0123456789abcdef', 'abcdefghijklmnopqrstuvw']) {
      const svc = await startFixture(nats, { VA_GRPC_TOKENS: `viewer:${TOKEN},admin:${token}` });
      running.push(svc.proc);
      assert.equal(await svc.proc.exited, 2, svc.proc.output());
      assert.match(svc.proc.output(), /VA_GRPC_TOKENS.*entry 2 \(admin\)/);
      assert.ok(
        !svc.proc.output().includes(token) && !svc.proc.output().includes(TOKEN),
        'a token appears in the output',
      );
    }
  });
});
