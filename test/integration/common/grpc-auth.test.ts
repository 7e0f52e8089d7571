import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeGenericClientConstructor, Metadata, status } from '@grpc/grpc-js';
import {
  createClient,
  createLogger,
  createRegistry,
  GrpcServer,
  HealthRegistry,
  InvalidArgumentError,
  unary,
} from '@va/common';
import { IngestServiceClient, IngestServiceService, StreamState, StreamStatus } from '@va/proto/va/ingest/v1/ingest';
import { codeOf, healthStatus } from '../../helpers/grpc.js';

const TOKENS = new Map([
  ['viewer-token-1', 'viewer'],
  ['operator-token-1', 'operator'],
  ['admin-token-1', 'admin'],
] as const);

const status0: StreamStatus = StreamStatus.fromPartial({ state: StreamState.STREAM_STATE_RUNNING });

describe('gRPC bearer tokens and roles over a real call', () => {
  const registry = createRegistry();
  const server = new GrpcServer({
    config: {
      host: '127.0.0.1',
      port: 0,
      auth: 'required',
      tokens: new Map(TOKENS),
      maxMessageBytes: 1024 * 1024,
      maxStreamsPerConnection: 8,
      maxStreams: 64,
      maxCallsPerConnection: 64,
    },
    registry,
    log: createLogger('test', 'silent'),
  });
  const health = new HealthRegistry();
  let address = '';

  before(async () => {
    server.addService(health.definition, health.implementation, health.roles);
    server.addService(
      IngestServiceService,
      {
        addStream: async (req) => ({ status: { ...status0, spec: req.spec } }),
        removeStream: async () => ({}),
        updateStream: async () => {
          throw new InvalidArgumentError('target_fps must be <= 120', 'target_fps');
        },
        listStreams: async () => ({ streams: [status0] }),
        getStream: async () => {
          throw new Error('a bug with internal details');
        },
      },
      {
        addStream: 'operator',
        removeStream: 'admin',
        updateStream: 'operator',
        listStreams: 'viewer',
        getStream: 'viewer',
      },
    );
    address = `127.0.0.1:${await server.start()}`;
  });
  after(() => server.forceShutdown());

  const client = (token?: string) => createClient(IngestServiceClient, { address, ...(token ? { token } : {}) });
  const spec = {
    cameraId: 'cam-1',
    url: 'testsrc://smpte',
    targetFps: 5,
    width: 0,
    height: 0,
    letterbox: false,
    pixelFormat: 0,
    loop: false,
    realtime: false,
    jpegQuality: 0,
    labels: {},
    detectEvery: 0,
    motionGate: undefined,
  };

  it('allows a role to call what it may', async () => {
    const viewer = client('viewer-token-1');
    const res = await unary(viewer.listStreams.bind(viewer), {});
    assert.equal(res.streams.length, 1);
    const operator = client('operator-token-1');
    const added = await unary(operator.addStream.bind(operator), { spec });
    assert.equal(added.status?.spec?.cameraId, 'cam-1');
    const admin = client('admin-token-1');
    assert.equal(await codeOf(unary(admin.removeStream.bind(admin), { cameraId: 'cam-1' })), 'OK');
  });

  it('denies a role what it may not call with PERMISSION_DENIED', async () => {
    const viewer = client('viewer-token-1');
    assert.equal(await codeOf(unary(viewer.addStream.bind(viewer), { spec })), status.PERMISSION_DENIED);
    const operator = client('operator-token-1');
    assert.equal(
      await codeOf(unary(operator.removeStream.bind(operator), { cameraId: 'cam-1' })),
      status.PERMISSION_DENIED,
    );
  });

  it('refuses a missing or unknown token with UNAUTHENTICATED', async () => {
    const anonymous = client();
    assert.equal(await codeOf(unary(anonymous.listStreams.bind(anonymous), {})), status.UNAUTHENTICATED);
    const stranger = client('not-a-real-token');
    assert.equal(await codeOf(unary(stranger.listStreams.bind(stranger), {})), status.UNAUTHENTICATED);
    const raw = client();
    const md = new Metadata();
    md.set('authorization', 'Basic dXNlcjpwYXNz');
    assert.equal(await codeOf(unary(raw.listStreams.bind(raw), {}, { metadata: md })), status.UNAUTHENTICATED);
  });

  it('keeps health checks open without a token', async () => {
    health.setAll(1);
    assert.equal(await healthStatus(address), 1);
  });

  it('maps our errors to their status and hides internal details', async () => {
    const operator = client('operator-token-1');
    await assert.rejects(
      unary(operator.updateStream.bind(operator), { spec }),
      (err: { code: number; details: string }) => {
        assert.equal(err.code, status.INVALID_ARGUMENT);
        assert.match(err.details, /target_fps/);
        return true;
      },
    );
    await assert.rejects(
      unary(operator.getStream.bind(operator), { cameraId: 'x' }),
      (err: { code: number; details: string }) => {
        assert.equal(err.code, status.INTERNAL);
        assert.doesNotMatch(err.details, /internal details/);
        return true;
      },
    );
  });

  it('answers a malformed request with INVALID_ARGUMENT', async () => {
    const Raw = makeGenericClientConstructor(
      {
        listStreams: {
          path: '/va.ingest.v1.IngestService/AddStream',
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      'Raw',
    );
    const raw = createClient(Raw as never, { address, token: 'operator-token-1' }) as unknown as {
      listStreams: (req: Buffer, md: Metadata, opts: object, cb: (err: { code: number } | null) => void) => void;
    };
    const code = await new Promise<number>((resolve) =>
      raw.listStreams(Buffer.from([0x0a, 0xff, 0xff, 0xff]), new Metadata(), {}, (err) => resolve(err?.code ?? 0)),
    );
    assert.equal(code, status.INVALID_ARGUMENT);
  });

  it('counts calls in grpc_server_handled_total by method and code', async () => {
    const text = await registry.metrics();
    assert.match(
      text,
      /grpc_server_handled_total\{grpc_service="va.ingest.v1.IngestService",grpc_method="AddStream",grpc_type="unary",grpc_code="PERMISSION_DENIED"\} 1/,
    );
    assert.match(
      text,
      /grpc_server_handled_total\{grpc_service="va.ingest.v1.IngestService",grpc_method="ListStreams",grpc_type="unary",grpc_code="UNAUTHENTICATED"\} 3/,
    );
    assert.match(
      text,
      /grpc_server_handling_seconds_bucket\{le="0.001",grpc_service="va.ingest.v1.IngestService",grpc_method="ListStreams"/,
    );
  });
});
