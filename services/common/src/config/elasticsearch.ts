import { ConfigError, type ConfigIssue } from '../errors.js';
import { int, list, optionalString, parseEnv, readableFile, bool, type Env } from './env.js';

/** How a service reaches Elasticsearch. Credentials are either basic auth or an API key, never both. */
export interface ElasticsearchConfig {
  /** One or more http(s) URLs of nodes; requests are spread over them. */
  nodes: string[];
  username?: string;
  password?: string;
  /** Base64 "id:key" as Elasticsearch returns it in `encoded`. */
  apiKey?: string;
  /** PEM CA that signed the cluster's HTTP certificate. */
  caFile?: string;
  /** false only for throw-away clusters with self-signed certificates and no CA at hand. */
  tlsVerify: boolean;
  requestTimeoutMs: number;
  /** Retries the client makes itself on connection errors and 502/503/504, per request. */
  maxRetries: number;
}

export const elasticsearchEnv = {
  ES_URL: list(['http://127.0.0.1:9200']),
  ES_USERNAME: optionalString(),
  // Or ES_PASSWORD_FILE / ES_API_KEY_FILE (Docker and Kubernetes secrets).
  ES_PASSWORD: optionalString(),
  ES_API_KEY: optionalString(),
  ES_CA_FILE: readableFile().optional(),
  ES_TLS_VERIFY: bool(true),
  ES_REQUEST_TIMEOUT_MS: int(30_000, 100, 600_000),
  ES_MAX_RETRIES: int(2, 0, 10),
};

export function loadElasticsearchConfig(env: Env): ElasticsearchConfig {
  // Cross-key checks run on the raw values too, so one run names every bad key.
  const issues: ConfigIssue[] = [];
  let e: ReturnType<typeof parseEnv<typeof elasticsearchEnv>> | undefined;
  try {
    e = parseEnv(elasticsearchEnv, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  const given = (key: string) => Boolean(env[key] || env[`${key}_FILE`]);
  const urls = (env.ES_URL ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
  if (env.ES_URL !== undefined && env.ES_URL !== '' && urls.length === 0)
    issues.push({ key: 'ES_URL', message: 'needs at least one node URL' });
  for (const url of urls) {
    if (!/^https?:\/\/[^\s/]+/.test(url))
      issues.push({ key: 'ES_URL', message: `"${url}" is not an http(s)://host:port URL` });
    else if (/^https?:\/\/[^/]*@/.test(url))
      issues.push({
        key: 'ES_URL',
        message:
          'credentials do not belong in the URL (they would be logged); use ES_USERNAME/ES_PASSWORD or ES_API_KEY',
      });
  }
  if (given('ES_USERNAME') && !given('ES_PASSWORD'))
    issues.push({ key: 'ES_PASSWORD', message: 'required when ES_USERNAME is set' });
  if (given('ES_PASSWORD') && !given('ES_USERNAME'))
    issues.push({ key: 'ES_USERNAME', message: 'required when ES_PASSWORD is set' });
  if (given('ES_USERNAME') && given('ES_API_KEY'))
    issues.push({ key: 'ES_API_KEY', message: 'give either ES_USERNAME/ES_PASSWORD or ES_API_KEY, not both' });
  if (env.ES_CA_FILE && urls.some((u) => u.startsWith('http://')))
    issues.push({ key: 'ES_CA_FILE', message: 'set, but ES_URL is plain http://' });
  if (issues.length > 0 || !e) throw new ConfigError(issues);
  return {
    nodes: e.ES_URL,
    ...(e.ES_USERNAME ? { username: e.ES_USERNAME, password: e.ES_PASSWORD } : {}),
    ...(e.ES_API_KEY ? { apiKey: e.ES_API_KEY } : {}),
    ...(e.ES_CA_FILE ? { caFile: e.ES_CA_FILE } : {}),
    tlsVerify: e.ES_TLS_VERIFY,
    requestTimeoutMs: e.ES_REQUEST_TIMEOUT_MS,
    maxRetries: e.ES_MAX_RETRIES,
  };
}
