import { readFileSync } from 'node:fs';
import { Client, type ClientOptions } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../config/elasticsearch.js';

/**
 * The official client (major version 8, like the server) from ElasticsearchConfig. Credentials go
 * into the client's auth options, never into URLs, so they cannot end up in logs or errors.
 */
export function createElasticsearchClient(config: ElasticsearchConfig, options: Partial<ClientOptions> = {}): Client {
  const auth = config.apiKey
    ? { apiKey: config.apiKey }
    : config.username
      ? { username: config.username, password: config.password ?? '' }
      : undefined;
  const tls =
    config.caFile || !config.tlsVerify
      ? { ...(config.caFile ? { ca: readFileSync(config.caFile, 'utf8') } : {}), rejectUnauthorized: config.tlsVerify }
      : undefined;
  return new Client({
    nodes: config.nodes,
    ...(auth ? { auth } : {}),
    ...(tls ? { tls } : {}),
    requestTimeout: config.requestTimeoutMs,
    maxRetries: config.maxRetries,
    // Nodes come from configuration; sniffing would replace them with publish addresses that are
    // often unreachable from here (containers, NAT).
    sniffOnStart: false,
    ...options,
  });
}
