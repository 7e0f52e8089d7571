import { z } from 'zod';
import { int, oneOf, parseEnv, port, type Env } from './env.js';

export interface BaseConfig {
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Prometheus /metrics, /healthz and /readyz. */
  httpHost: string;
  httpPort: number;
  /** Time for in-flight work to finish after SIGTERM before it is forced. */
  shutdownGraceMs: number;
  /** Time the forced shutdown gets before the process exits non-zero regardless. */
  shutdownForceMs: number;
}

export function baseEnv(defaults: { httpPort: number }) {
  return {
    VA_LOG_LEVEL: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, 'info'),
    VA_HTTP_HOST: z.string().default('0.0.0.0'),
    VA_HTTP_PORT: port(defaults.httpPort),
    VA_SHUTDOWN_GRACE_MS: int(10_000, 0, 600_000),
    VA_SHUTDOWN_FORCE_MS: int(3_000, 0, 60_000),
  };
}

export function loadBaseConfig(env: Env, defaults: { httpPort: number }): BaseConfig {
  const e = parseEnv(baseEnv(defaults), env);
  return {
    logLevel: e.VA_LOG_LEVEL,
    httpHost: e.VA_HTTP_HOST,
    httpPort: e.VA_HTTP_PORT,
    shutdownGraceMs: e.VA_SHUTDOWN_GRACE_MS,
    shutdownForceMs: e.VA_SHUTDOWN_FORCE_MS,
  };
}
