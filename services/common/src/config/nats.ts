import { ConfigError } from '../errors.js';
import { int, list, optionalString, parseEnv, readableFile, type Env } from './env.js';

export interface NatsConfig {
  servers: string[];
  user?: string;
  password?: string;
  token?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Limits every JetStream stream is declared with. */
  jetstream: JetStreamLimits;
}

export interface JetStreamLimits {
  maxAgeMs: number;
  /**
   * Max age of the decision streams (VA_FLAGS, VA_REVIEWS): flags and human reviews are small,
   * few and must outlive the data streams; the sanity-check service rebuilds its view from them.
   * Defaults to maxAgeMs when absent.
   */
  decisionsMaxAgeMs?: number;
  maxBytes: number;
  /**
   * Max bytes of VA_DETECTIONS (VA_JS_DETECTIONS_MAX_BYTES): with embeddings it holds ~25x the bytes
   * of any other stream (README.md, "Sizing JetStream").
   */
  detectionsMaxBytes: number;
  /** Replicas of every stream and KV bucket. */
  replicas: number;
  duplicateWindowMs: number;
  /** Deliveries of one message to a durable consumer before it is dead-lettered (VA_JS_MAX_DELIVER). */
  maxDeliver: number;
  /** How often stream usage (bytes / max_bytes) is read for va_jetstream_stream_usage_ratio (VA_JS_USAGE_POLL_S). */
  usagePollMs: number;
}

/**
 * Limits for tools and tests that set only the sizes they care about: VA_DETECTIONS as big as
 * the others, and the defaults of VA_JS_MAX_DELIVER and VA_JS_USAGE_POLL_S.
 */
export function jetStreamLimits(
  limits: Omit<JetStreamLimits, 'detectionsMaxBytes' | 'maxDeliver' | 'usagePollMs'> & Partial<JetStreamLimits>,
): JetStreamLimits {
  return {
    detectionsMaxBytes: limits.maxBytes,
    maxDeliver: DEFAULT_MAX_DELIVER,
    usagePollMs: DEFAULT_USAGE_POLL_MS,
    ...limits,
  };
}

export const DEFAULT_MAX_DELIVER = 5;
export const DEFAULT_USAGE_POLL_MS = 15_000;

export const natsEnv = {
  NATS_URL: list(['nats://127.0.0.1:4222']),
  NATS_USER: optionalString(),
  NATS_PASSWORD: optionalString(),
  NATS_TOKEN: optionalString(),
  NATS_TLS_CA: readableFile().optional(),
  NATS_TLS_CERT: readableFile().optional(),
  NATS_TLS_KEY: readableFile().optional(),
  VA_JS_MAX_AGE_HOURS: int(24, 1, 24 * 365),
  VA_JS_DECISIONS_MAX_AGE_HOURS: int(24 * 90, 1, 24 * 3650),
  VA_JS_MAX_BYTES: int(1024 * 1024 * 1024, 1024 * 1024, Number.MAX_SAFE_INTEGER),
  VA_JS_DETECTIONS_MAX_BYTES: int(8 * 1024 * 1024 * 1024, 1024 * 1024, Number.MAX_SAFE_INTEGER),
  VA_JS_REPLICAS: int(1, 1, 5),
  VA_JS_DUPLICATE_WINDOW_S: int(120, 1, 24 * 3600),
  VA_JS_MAX_DELIVER: int(DEFAULT_MAX_DELIVER, 2, 100),
  VA_JS_USAGE_POLL_S: int(DEFAULT_USAGE_POLL_MS / 1000, 1, 3600),
};

export function loadNatsConfig(env: Env): NatsConfig {
  const e = parseEnv(natsEnv, env);
  const issues = [];
  if (e.NATS_URL.length === 0) issues.push({ key: 'NATS_URL', message: 'needs at least one server URL' });
  for (const url of e.NATS_URL) {
    if (!/^(nats|tls|ws|wss):\/\/[^\s/]+/.test(url)) {
      issues.push({ key: 'NATS_URL', message: `"${url}" is not a nats://host:port URL` });
    }
  }
  // The user name is also its inbox prefix (_INBOX_<user>, bus-identities.ts): one subject token.
  if (e.NATS_USER && !/^[A-Za-z0-9_-]{1,64}$/.test(e.NATS_USER))
    issues.push({ key: 'NATS_USER', message: "must be 1-64 of [A-Za-z0-9_-] (it names the user's inbox subject)" });
  if (e.NATS_USER && !e.NATS_PASSWORD) issues.push({ key: 'NATS_PASSWORD', message: 'required when NATS_USER is set' });
  if (e.NATS_USER && e.NATS_TOKEN)
    issues.push({ key: 'NATS_TOKEN', message: 'give either NATS_USER/NATS_PASSWORD or NATS_TOKEN, not both' });
  if (Boolean(e.NATS_TLS_CERT) !== Boolean(e.NATS_TLS_KEY)) {
    issues.push({ key: 'NATS_TLS_CERT', message: 'NATS_TLS_CERT and NATS_TLS_KEY go together' });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const tls =
    e.NATS_TLS_CA || e.NATS_TLS_CERT
      ? { caFile: e.NATS_TLS_CA, certFile: e.NATS_TLS_CERT, keyFile: e.NATS_TLS_KEY }
      : undefined;
  return {
    servers: e.NATS_URL,
    ...(e.NATS_USER ? { user: e.NATS_USER, password: e.NATS_PASSWORD } : {}),
    ...(e.NATS_TOKEN ? { token: e.NATS_TOKEN } : {}),
    ...(tls ? { tls } : {}),
    jetstream: {
      maxAgeMs: e.VA_JS_MAX_AGE_HOURS * 3600_000,
      decisionsMaxAgeMs: e.VA_JS_DECISIONS_MAX_AGE_HOURS * 3600_000,
      maxBytes: e.VA_JS_MAX_BYTES,
      detectionsMaxBytes: e.VA_JS_DETECTIONS_MAX_BYTES,
      replicas: e.VA_JS_REPLICAS,
      duplicateWindowMs: e.VA_JS_DUPLICATE_WINDOW_S * 1000,
      maxDeliver: e.VA_JS_MAX_DELIVER,
      usagePollMs: e.VA_JS_USAGE_POLL_S * 1000,
    },
  };
}
