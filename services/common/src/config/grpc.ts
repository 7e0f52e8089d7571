import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { bool, int, oneOf, optionalString, parseEnv, port, readableFile, type Env } from './env.js';
import { tokenProblem } from './token-rules.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface GrpcTlsConfig {
  certFile: string;
  keyFile: string;
  /** CA that client certificates must chain to; set for mutual TLS. */
  clientCaFile?: string;
  requireClientCert: boolean;
}

export interface GrpcServerConfig {
  host: string;
  port: number;
  tls?: GrpcTlsConfig;
  /** 'required': every call but health checks needs a bearer token. */
  auth: 'required' | 'disabled';
  /** token -> role */
  tokens: Map<string, Role>;
  maxMessageBytes: number;
  /** Server streams open at once from one connection (peer), and on the whole server. */
  maxStreamsPerConnection: number;
  maxStreams: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: calls of any kind open at once on one connection. */
  maxCallsPerConnection: number;
}

export function grpcServerEnv(defaults: { port: number }) {
  return {
    VA_GRPC_HOST: z.string().default('0.0.0.0'),
    VA_GRPC_PORT: port(defaults.port),
    VA_GRPC_TLS_CERT: readableFile().optional(),
    VA_GRPC_TLS_KEY: readableFile().optional(),
    VA_GRPC_TLS_CLIENT_CA: readableFile().optional(),
    VA_GRPC_TLS_REQUIRE_CLIENT_CERT: bool(false),
    VA_GRPC_AUTH: oneOf(['required', 'disabled'] as const, 'required'),
    // "role:token" pairs separated by commas or new lines; or VA_GRPC_TOKENS_FILE.
    VA_GRPC_TOKENS: optionalString(),
    VA_GRPC_MAX_MESSAGE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(256 * 1024 * 1024)
      .default(32 * 1024 * 1024),
    VA_GRPC_MAX_STREAMS_PER_CONNECTION: int(8, 1, 10_000),
    VA_GRPC_MAX_STREAMS: int(256, 1, 100_000),
    VA_GRPC_MAX_CALLS_PER_CONNECTION: int(128, 1, 10_000),
  };
}

/**
 * "role:token" pairs. Each token must pass tokenProblem (length, no placeholder) unless
 * `checkStrength` is false (auth disabled: the tokens are not used).
 */
export function parseTokens(
  text: string | undefined,
  key = 'VA_GRPC_TOKENS',
  checkStrength = true,
): { tokens: Map<string, Role>; issues: ConfigIssue[] } {
  const tokens = new Map<string, Role>();
  const issues: ConfigIssue[] = [];
  const entries = (text ?? '')
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !s.startsWith('#'));
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const role = colon > 0 ? entry.slice(0, colon) : '';
    const token = colon > 0 ? entry.slice(colon + 1) : '';
    const problem = checkStrength ? tokenProblem(token) : undefined;
    if (!(ROLES as readonly string[]).includes(role)) {
      issues.push({ key, message: `entry ${i + 1} must be "role:token" with role one of ${ROLES.join(', ')}` });
    } else if (problem) {
      issues.push({ key, message: `entry ${i + 1} (${role}): token ${problem}` });
    } else if (tokens.has(token)) {
      issues.push({ key, message: `entry ${i + 1} (${role}): the same token is listed twice` });
    } else {
      tokens.set(token, role as Role);
    }
  });
  return { tokens, issues };
}

export function loadGrpcServerConfig(env: Env, defaults: { port: number }): GrpcServerConfig {
  // Tokens are checked even when another key is bad, so one run reports every problem.
  const tokensKey = !env.VA_GRPC_TOKENS && env.VA_GRPC_TOKENS_FILE ? 'VA_GRPC_TOKENS_FILE' : 'VA_GRPC_TOKENS';
  const { tokens, issues } = parseTokens(
    env.VA_GRPC_TOKENS || (env.VA_GRPC_TOKENS_FILE ? readTokensFile(env.VA_GRPC_TOKENS_FILE) : undefined),
    tokensKey,
    env.VA_GRPC_AUTH !== 'disabled',
  );
  let e: ReturnType<typeof parseEnv<ReturnType<typeof grpcServerEnv>>>;
  try {
    e = parseEnv(grpcServerEnv(defaults), env);
  } catch (err) {
    if (err instanceof ConfigError)
      throw new ConfigError([...err.issues.filter((i) => i.key !== 'VA_GRPC_TOKENS_FILE'), ...issues]);
    throw err;
  }
  if (e.VA_GRPC_AUTH === 'required' && tokens.size === 0 && issues.length === 0) {
    issues.push({
      key: 'VA_GRPC_TOKENS',
      message:
        'gRPC auth is required but no tokens are configured (set VA_GRPC_TOKENS="viewer:...,admin:..." or VA_GRPC_AUTH=disabled)',
    });
  }
  if (Boolean(e.VA_GRPC_TLS_CERT) !== Boolean(e.VA_GRPC_TLS_KEY)) {
    issues.push({ key: 'VA_GRPC_TLS_CERT', message: 'VA_GRPC_TLS_CERT and VA_GRPC_TLS_KEY go together' });
  }
  if ((e.VA_GRPC_TLS_CLIENT_CA || e.VA_GRPC_TLS_REQUIRE_CLIENT_CERT) && !e.VA_GRPC_TLS_CERT) {
    issues.push({ key: 'VA_GRPC_TLS_CLIENT_CA', message: 'mutual TLS needs VA_GRPC_TLS_CERT and VA_GRPC_TLS_KEY too' });
  }
  if (e.VA_GRPC_TLS_REQUIRE_CLIENT_CERT && !e.VA_GRPC_TLS_CLIENT_CA) {
    issues.push({ key: 'VA_GRPC_TLS_CLIENT_CA', message: 'required when VA_GRPC_TLS_REQUIRE_CLIENT_CERT is true' });
  }
  if (e.VA_GRPC_MAX_CALLS_PER_CONNECTION < e.VA_GRPC_MAX_STREAMS_PER_CONNECTION) {
    issues.push({
      key: 'VA_GRPC_MAX_CALLS_PER_CONNECTION',
      message: 'must be >= VA_GRPC_MAX_STREAMS_PER_CONNECTION (streams are calls too)',
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const tls: GrpcTlsConfig | undefined =
    e.VA_GRPC_TLS_CERT && e.VA_GRPC_TLS_KEY
      ? {
          certFile: e.VA_GRPC_TLS_CERT,
          keyFile: e.VA_GRPC_TLS_KEY,
          ...(e.VA_GRPC_TLS_CLIENT_CA ? { clientCaFile: e.VA_GRPC_TLS_CLIENT_CA } : {}),
          requireClientCert: e.VA_GRPC_TLS_REQUIRE_CLIENT_CERT,
        }
      : undefined;
  return {
    host: e.VA_GRPC_HOST,
    port: e.VA_GRPC_PORT,
    ...(tls ? { tls } : {}),
    auth: e.VA_GRPC_AUTH,
    tokens,
    maxMessageBytes: e.VA_GRPC_MAX_MESSAGE_BYTES,
    maxStreamsPerConnection: e.VA_GRPC_MAX_STREAMS_PER_CONNECTION,
    maxStreams: e.VA_GRPC_MAX_STREAMS,
    maxCallsPerConnection: e.VA_GRPC_MAX_CALLS_PER_CONNECTION,
  };
}

export interface GrpcClientConfig {
  address: string;
  token?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/**
 * Settings for calling another service, under VA_<NAME>_GRPC_*:
 * ADDR (host:port), TOKEN, TLS_CA, TLS_CERT, TLS_KEY.
 */
export function loadGrpcClientConfig(env: Env, name: string, defaultAddress: string): GrpcClientConfig {
  const p = `VA_${name.toUpperCase().replace(/-/g, '_')}_GRPC_`;
  const shape = {
    [`${p}ADDR`]: z
      .string()
      .regex(/^[^\s/]+:\d+$/, 'must be host:port')
      .default(defaultAddress),
    [`${p}TOKEN`]: optionalString(),
    [`${p}TLS_CA`]: readableFile().optional(),
    [`${p}TLS_CERT`]: readableFile().optional(),
    [`${p}TLS_KEY`]: readableFile().optional(),
  };
  const e = parseEnv(shape, env) as Record<string, string | undefined>;
  const ca = e[`${p}TLS_CA`];
  const cert = e[`${p}TLS_CERT`];
  const key = e[`${p}TLS_KEY`];
  if (Boolean(cert) !== Boolean(key)) {
    throw new ConfigError([{ key: `${p}TLS_CERT`, message: `${p}TLS_CERT and ${p}TLS_KEY go together` }]);
  }
  const token = e[`${p}TOKEN`];
  const problem = token ? tokenProblem(token) : undefined;
  if (problem) {
    const key = env[`${p}TOKEN`] ? `${p}TOKEN` : `${p}TOKEN_FILE`;
    throw new ConfigError([{ key, message: `token ${problem}` }]);
  }
  return {
    address: e[`${p}ADDR`] as string,
    ...(token ? { token } : {}),
    ...(ca || cert ? { tls: { caFile: ca, certFile: cert, keyFile: key } } : {}),
  };
}

function readTokensFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ key: 'VA_GRPC_TOKENS_FILE', message: `cannot read ${path}: ${(err as Error).message}` }]);
  }
}
