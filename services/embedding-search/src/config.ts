import { loadBaseConfig, loadGrpcServerConfig, loadNatsConfig, loadPieces, type Env } from '@va/common';

export const DEFAULT_GRPC_PORT = 50054;
export const DEFAULT_HTTP_PORT = 9464;

/** Everything embedding-search reads from the environment, validated at once. */
export function loadConfig(env: Env) {
  return loadPieces({
    base: () => loadBaseConfig(env, { httpPort: DEFAULT_HTTP_PORT }),
    nats: () => loadNatsConfig(env),
    grpc: () => loadGrpcServerConfig(env, { port: DEFAULT_GRPC_PORT }),
  });
}

export type Config = ReturnType<typeof loadConfig>;
