import { readFileSync } from 'node:fs';
import {
  credentials,
  InterceptingCall,
  Metadata,
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  type Interceptor,
  type ServiceError,
} from '@grpc/grpc-js';
import type { GrpcClientConfig } from '../config/grpc.js';

/** Adds "authorization: Bearer <token>" to every call (works over plaintext too, unlike call credentials). */
export function bearerTokenInterceptor(token: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

export function channelCredentials(tls: GrpcClientConfig['tls']): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  return credentials.createSsl(
    tls.caFile ? readFileSync(tls.caFile) : null,
    tls.keyFile ? readFileSync(tls.keyFile) : null,
    tls.certFile ? readFileSync(tls.certFile) : null,
  );
}

type ClientConstructor<C> = new (
  address: string,
  creds: ChannelCredentials,
  options?: Partial<ChannelOptions> & { interceptors?: Interceptor[] },
) => C;

/** A typed client for one of our services from its ts-proto constructor and VA_<NAME>_GRPC_* settings. */
export function createClient<C>(
  Client: ClientConstructor<C>,
  config: GrpcClientConfig,
  options: Partial<ChannelOptions> = {},
): C {
  return new Client(config.address, channelCredentials(config.tls), {
    'grpc.max_receive_message_length': 32 * 1024 * 1024,
    'grpc.max_send_message_length': 32 * 1024 * 1024,
    ...options,
    interceptors: config.token ? [bearerTokenInterceptor(config.token)] : [],
  });
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** Calls a unary method as a promise, with a deadline and optional cancellation. */
export function unary<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  options: { deadlineMs?: number; signal?: AbortSignal; metadata?: Metadata } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const call = method(
      request,
      options.metadata ?? new Metadata(),
      options.deadlineMs ? { deadline: Date.now() + options.deadlineMs } : {},
      (err, response) => (err ? reject(err) : resolve(response)),
    );
    options.signal?.addEventListener('abort', () => call.cancel(), { once: true });
  });
}

type StreamMethod<Req, Res> = (
  request: Req,
  metadata?: Metadata,
  options?: Partial<CallOptions>,
) => ClientReadableStream<Res>;

/** Opens a server stream; iterate it with for-await, cancel() to stop. */
export function serverStream<Req, Res>(
  method: StreamMethod<Req, Res>,
  request: Req,
  options: { metadata?: Metadata } = {},
): ClientReadableStream<Res> {
  return method(request, options.metadata ?? new Metadata(), {});
}
