import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import {
  createClient,
  createLogger,
  createRegistry,
  GrpcServer,
  HealthRegistry,
  unary,
  type GrpcTlsConfig,
} from '@va/common';
import { HealthClient } from '@va/proto/grpc/health/v1/health';
import { codeOf } from '../../helpers/grpc.js';
import { makeTestPki, type TestPki } from '@va/harness/tls';

async function startServer(tls: GrpcTlsConfig) {
  const server = new GrpcServer({
    config: {
      host: '127.0.0.1',
      port: 0,
      auth: 'disabled',
      tokens: new Map(),
      maxMessageBytes: 1024 * 1024,
      maxStreamsPerConnection: 8,
      maxStreams: 64,
      maxCallsPerConnection: 64,
      tls,
    },
    registry: createRegistry(),
    log: createLogger('test', 'silent'),
  });
  const health = new HealthRegistry();
  health.setAll(1);
  server.addService(health.definition, health.implementation, health.roles);
  const port = await server.start();
  return { server, address: `localhost:${port}` };
}

function check(address: string, tls?: { caFile?: string; certFile?: string; keyFile?: string }) {
  const client = createClient(HealthClient, { address, ...(tls ? { tls } : {}) });
  return unary(client.check.bind(client), { service: '' }, { deadlineMs: 3_000 }).finally(() => client.close());
}

describe('gRPC over TLS with a generated test CA', () => {
  let pki: TestPki;
  before(() => {
    pki = makeTestPki();
  });

  describe('server TLS', () => {
    let s: Awaited<ReturnType<typeof startServer>>;
    before(async () => {
      s = await startServer({ certFile: pki.serverCert, keyFile: pki.serverKey, requireClientCert: false });
    });
    after(() => s.server.forceShutdown());

    it('completes a call for a client that trusts the CA', async () => {
      assert.equal((await check(s.address, { caFile: pki.caCert })).status, 1);
    });

    it('refuses a plaintext client', async () => {
      assert.equal(await codeOf(check(s.address)), status.UNAVAILABLE);
    });
  });

  describe('mutual TLS', () => {
    let s: Awaited<ReturnType<typeof startServer>>;
    before(async () => {
      s = await startServer({
        certFile: pki.serverCert,
        keyFile: pki.serverKey,
        clientCaFile: pki.caCert,
        requireClientCert: true,
      });
    });
    after(() => s.server.forceShutdown());

    it('completes a call with a client certificate from the CA', async () => {
      assert.equal(
        (await check(s.address, { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey })).status,
        1,
      );
    });

    it('refuses a client without a certificate', async () => {
      assert.equal(await codeOf(check(s.address, { caFile: pki.caCert })), status.UNAVAILABLE);
    });

    it('refuses a client certificate from another CA', async () => {
      assert.equal(
        await codeOf(check(s.address, { caFile: pki.caCert, certFile: pki.strangerCert, keyFile: pki.strangerKey })),
        status.UNAVAILABLE,
      );
    });
  });
});
