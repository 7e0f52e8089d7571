import { readFileSync } from 'node:fs';
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type Metadata,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { GrpcServerConfig, Role } from '../config/grpc.js';
import { CancelledError, InvalidArgumentError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { LATENCY_BUCKETS_S } from '../metrics/registry.js';
import { TokenAuthenticator, type MethodAccess } from './auth.js';
import { statusName, toStatus } from './status.js';
import { StreamLimiter } from './stream-limiter.js';

export interface CallContext {
  /** Full method path, /package.Service/Method. */
  method: string;
  role: Role | 'anonymous';
  metadata: Metadata;
  /** Aborted when the client cancels, the deadline passes or the server shuts down. */
  signal: AbortSignal;
  peer: string;
}

export interface StreamSink<Res> {
  /** Resolves once the message is buffered; waits while the client is slow (back-pressure). */
  write(message: Res): Promise<void>;
  readonly signal: AbortSignal;
}

export type UnaryImpl<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;
export type ServerStreamImpl<Req, Res> = (request: Req, sink: StreamSink<Res>, ctx: CallContext) => Promise<void>;

interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: (value: never) => Buffer;
  requestDeserialize: (bytes: Buffer) => unknown;
  responseSerialize: (value: never) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}
type ServiceDefinition = Record<string, MethodDefinition>;

type RequestOf<M> = M extends { requestDeserialize: (bytes: Buffer) => infer R } ? R : never;
type ResponseOf<M> = M extends { responseSerialize: (value: infer R) => Buffer } ? R : never;

/** A service implemented with async functions: unary methods return, server streams write to a sink. */
export type AsyncService<D extends ServiceDefinition> = {
  [K in keyof D]: D[K]['responseStream'] extends true
    ? ServerStreamImpl<RequestOf<D[K]>, ResponseOf<D[K]>>
    : UnaryImpl<RequestOf<D[K]>, ResponseOf<D[K]>>;
};

/** Which role each method needs; every method must be listed. */
export type MethodRoles<D extends ServiceDefinition> = { [K in keyof D]: MethodAccess };

const MALFORMED = Symbol('malformed request');
type Malformed = { [MALFORMED]: string };

interface ActiveStream {
  abort: (reason: Error) => void;
}

export interface GrpcServerOptions {
  config: GrpcServerConfig;
  registry: Registry;
  log: Logger;
}

/**
 * gRPC server bootstrap: optional TLS (server or mutual), bearer-token roles per method,
 * the standard grpc_server_* metrics, error-to-status mapping at this edge only, malformed
 * requests answered INVALID_ARGUMENT, server streams bounded per connection and per server
 * (RESOURCE_EXHAUSTED beyond), and server streams that end when the server stops.
 */
export class GrpcServer {
  readonly server: Server;
  private readonly auth: TokenAuthenticator;
  private readonly log: Logger;
  private readonly activeStreams = new Set<ActiveStream>();
  private readonly handled: Counter<string>;
  private readonly started: Counter<string>;
  private readonly handling: Histogram<string>;
  private readonly streamsRefused: Counter<string>;
  private readonly streamLimiter: StreamLimiter;
  private boundPort: number | undefined;
  readonly serviceNames: string[] = [];

  constructor(private readonly options: GrpcServerOptions) {
    const { config, registry } = options;
    this.log = options.log.child({ component: 'grpc' });
    this.server = new Server({
      'grpc.max_receive_message_length': config.maxMessageBytes,
      'grpc.max_send_message_length': config.maxMessageBytes,
      // HTTP/2 level: calls of any kind one connection may have open; server streams are
      // bounded more tightly below, with a clear status instead of a stalled client.
      'grpc.max_concurrent_streams': config.maxCallsPerConnection,
    });
    this.streamLimiter = new StreamLimiter(config.maxStreamsPerConnection, config.maxStreams);
    this.auth = new TokenAuthenticator(config.auth, config.tokens);
    const labels = ['grpc_service', 'grpc_method', 'grpc_type'];
    this.started = getOrCreate(
      registry,
      'grpc_server_started_total',
      () =>
        new Counter({
          name: 'grpc_server_started_total',
          help: 'RPCs started on the server.',
          labelNames: labels,
          registers: [registry],
        }),
    );
    this.handled = getOrCreate(
      registry,
      'grpc_server_handled_total',
      () =>
        new Counter({
          name: 'grpc_server_handled_total',
          help: 'RPCs completed on the server, by status code.',
          labelNames: [...labels, 'grpc_code'],
          registers: [registry],
        }),
    );
    this.handling = getOrCreate(
      registry,
      'grpc_server_handling_seconds',
      () =>
        new Histogram({
          name: 'grpc_server_handling_seconds',
          help: 'Time from an RPC starting to its status being sent.',
          labelNames: labels,
          buckets: LATENCY_BUCKETS_S,
          registers: [registry],
        }),
    );
    this.streamsRefused = getOrCreate(
      registry,
      'grpc_server_streams_refused_total',
      () =>
        new Counter({
          name: 'grpc_server_streams_refused_total',
          help: 'Server streams refused with RESOURCE_EXHAUSTED, by the limit reached (connection or server).',
          labelNames: ['grpc_service', 'grpc_method', 'limit'],
          registers: [registry],
        }),
    );
    const limiter = this.streamLimiter;
    getOrCreate(
      registry,
      'grpc_server_streams_open',
      () =>
        new Gauge({
          name: 'grpc_server_streams_open',
          help: 'Server streams open now, all callers together.',
          registers: [registry],
          collect() {
            this.set(limiter.open);
          },
        }),
    );
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  addService<D extends ServiceDefinition>(definition: D, implementation: AsyncService<D>, roles: MethodRoles<D>): void {
    const handlers: UntypedServiceImplementation = {};
    const wrappedDefinition: Record<string, MethodDefinition> = {};
    let serviceName = '';
    for (const key of Object.keys(definition)) {
      const method = definition[key] as MethodDefinition;
      const access = roles[key as keyof D];
      if (access === undefined) throw new Error(`no role given for ${method.path}`);
      if (method.requestStream) throw new Error(`client-streaming method ${method.path} is not supported`);
      const [, service = '', name = ''] = /^\/([^/]+)\/([^/]+)$/.exec(method.path) ?? [];
      serviceName = service;
      wrappedDefinition[key] = { ...method, requestDeserialize: lenientDeserializer(method.requestDeserialize) };
      const impl = implementation[key as keyof D] as unknown;
      handlers[key] = method.responseStream
        ? this.wrapServerStream(service, name, method.path, access, impl as ServerStreamImpl<unknown, unknown>)
        : this.wrapUnary(service, name, method.path, access, impl as UnaryImpl<unknown, unknown>);
    }
    this.server.addService(wrappedDefinition as never, handlers);
    this.serviceNames.push(serviceName);
  }

  async start(): Promise<number> {
    const { config } = this.options;
    const credentials = config.tls
      ? ServerCredentials.createSsl(
          config.tls.clientCaFile ? readFileSync(config.tls.clientCaFile) : null,
          [{ private_key: readFileSync(config.tls.keyFile), cert_chain: readFileSync(config.tls.certFile) }],
          config.tls.requireClientCert,
        )
      : ServerCredentials.createInsecure();
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${config.host}:${config.port}`, credentials, (err, port) =>
        err ? reject(err) : resolve(port),
      );
    });
    if (config.auth === 'disabled') this.log.warn('gRPC auth is disabled: every caller is admin');
    this.log.info(
      {
        port: this.boundPort,
        tls: Boolean(config.tls),
        mutualTls: Boolean(config.tls?.requireClientCert),
        services: this.serviceNames,
      },
      'gRPC listening',
    );
    return this.boundPort;
  }

  /** Ends every open server stream with UNAVAILABLE so clients reconnect elsewhere. */
  abortStreams(reason = 'server is shutting down'): void {
    for (const stream of this.activeStreams) stream.abort(new CancelledError(reason));
  }

  /** Waits for in-flight calls; new calls are refused. */
  tryShutdown(): Promise<void> {
    return new Promise((resolve, reject) => this.server.tryShutdown((err) => (err ? reject(err) : resolve())));
  }

  forceShutdown(): void {
    this.server.forceShutdown();
  }

  private wrapUnary(
    service: string,
    name: string,
    path: string,
    access: MethodAccess,
    impl: UnaryImpl<unknown, unknown>,
  ) {
    const labels = { grpc_service: service, grpc_method: name, grpc_type: 'unary' };
    return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      this.started.inc(labels);
      const endTimer = this.handling.startTimer(labels);
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort(new CancelledError('cancelled by client')));
      const finish = (code: GrpcStatus) => {
        endTimer();
        this.handled.inc({ ...labels, grpc_code: statusName(code) });
      };
      void (async () => {
        try {
          const ctx = this.authorize(path, access, call.metadata, controller.signal, call.getPeer());
          const response = await impl(checkedRequest(call.request), ctx);
          finish(GrpcStatus.OK);
          callback(null, response);
        } catch (err) {
          const st = this.statusFor(err, path);
          finish(st.code);
          callback({ code: st.code, details: st.details });
        }
      })();
    };
  }

  private wrapServerStream(
    service: string,
    name: string,
    path: string,
    access: MethodAccess,
    impl: ServerStreamImpl<unknown, unknown>,
  ) {
    const labels = { grpc_service: service, grpc_method: name, grpc_type: 'server_stream' };
    return (call: ServerWritableStream<unknown, unknown>) => {
      this.started.inc(labels);
      const endTimer = this.handling.startTimer(labels);
      const controller = new AbortController();
      let shuttingDown = false;
      const active: ActiveStream = {
        abort: (reason) => {
          shuttingDown = true;
          controller.abort(reason);
        },
      };
      this.activeStreams.add(active);
      call.on('cancelled', () => controller.abort(new CancelledError('cancelled by client')));
      const sink: StreamSink<unknown> = {
        signal: controller.signal,
        write: (message) => writeWithBackpressure(call, message, controller.signal),
      };
      let release: (() => void) | undefined;
      const finish = (code: GrpcStatus) => {
        release?.();
        this.activeStreams.delete(active);
        endTimer();
        this.handled.inc({ ...labels, grpc_code: statusName(code) });
      };
      void (async () => {
        try {
          const ctx = this.authorize(path, access, call.metadata, controller.signal, call.getPeer());
          const slot = this.streamLimiter.acquire(ctx.peer);
          if (typeof slot !== 'function') {
            this.streamsRefused.inc({ grpc_service: service, grpc_method: name, limit: slot.refused });
            throw slot.error;
          }
          release = slot;
          await impl(checkedRequest(call.request), sink, ctx);
          if (shuttingDown) {
            finish(GrpcStatus.UNAVAILABLE);
            endWithStatus(call, GrpcStatus.UNAVAILABLE, 'server is shutting down');
          } else {
            finish(GrpcStatus.OK);
            call.end();
          }
        } catch (err) {
          const cancelled = controller.signal.aborted && !shuttingDown;
          const st = shuttingDown
            ? { code: GrpcStatus.UNAVAILABLE, details: 'server is shutting down' }
            : cancelled
              ? { code: GrpcStatus.CANCELLED, details: 'cancelled' }
              : this.statusFor(err, path);
          finish(st.code);
          if (!call.cancelled) endWithStatus(call, st.code, st.details);
        }
      })();
    };
  }

  private authorize(
    path: string,
    access: MethodAccess,
    metadata: Metadata,
    signal: AbortSignal,
    peer: string,
  ): CallContext {
    const caller = this.auth.authorize(path, access, metadata);
    return { method: path, role: caller.role, metadata, signal, peer };
  }

  private statusFor(err: unknown, path: string) {
    const st = toStatus(err);
    if (st.internal) this.log.error({ err, method: path }, 'RPC failed');
    else this.log.debug({ method: path, code: statusName(st.code), details: st.details }, 'RPC rejected');
    return st;
  }
}

function lenientDeserializer(decode: (bytes: Buffer) => unknown) {
  return (bytes: Buffer): unknown => {
    try {
      return decode(bytes);
    } catch (err) {
      return { [MALFORMED]: errorMessage(err) } satisfies Malformed;
    }
  };
}

function checkedRequest(request: unknown): unknown {
  if (typeof request === 'object' && request !== null && MALFORMED in request) {
    throw new InvalidArgumentError(`malformed request: ${(request as Malformed)[MALFORMED]}`);
  }
  return request;
}

/**
 * Ends a server stream with an error status. grpc-js sends the status from the stream's own
 * 'error' listener (it records the status and ends the stream); destroy() would skip sending it
 * and leave the client waiting.
 */
function endWithStatus(call: ServerWritableStream<unknown, unknown>, code: GrpcStatus, details: string): void {
  call.emit('error', Object.assign(new Error(details), { code, details }));
}

function writeWithBackpressure(
  call: ServerWritableStream<unknown, unknown>,
  message: unknown,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return Promise.reject(new CancelledError('stream closed'));
  if (call.write(message)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      call.removeListener('drain', onDrain);
      reject(new CancelledError('stream closed'));
    };
    call.once('drain', onDrain);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
