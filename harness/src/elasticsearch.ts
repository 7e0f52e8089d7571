import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { createElasticsearchClient } from '@va/common';
import { freePort } from './ports.js';
import { REPO_ROOT } from './shared.js';

const run = promisify(execFile);

/** The shared node from the local stack (`npm run stack:up` writes ES_URL into .stack/env). */
export function esUrl(): string {
  return process.env.ES_URL ?? 'http://127.0.0.1:9200';
}

export function esClient(url = esUrl()): Client {
  return createElasticsearchClient({ nodes: [url], tlsVerify: true, requestTimeoutMs: 30_000, maxRetries: 0 });
}

/**
 * An index prefix no other test file uses, so test files share one node and clean up only
 * their own indices and templates.
 */
export function uniquePrefix(name: string): string {
  return `t-${name}-${randomBytes(3).toString('hex')}`.toLowerCase();
}

/** Deletes every index and index template under `prefix` (names are resolved first: wildcard deletes are refused by default). */
export async function deletePrefix(client: Client, prefix: string): Promise<void> {
  const resolved = await client.indices.resolveIndex({ name: `${prefix}-*`, expand_wildcards: ['open', 'closed'] });
  const indices = resolved.indices.map((i) => i.name);
  if (indices.length > 0) await client.indices.delete({ index: indices, ignore_unavailable: true });
  const templates = await client.indices
    .getIndexTemplate({ name: `${prefix}-*` })
    .catch(() => ({ index_templates: [] }));
  for (const t of templates.index_templates) await client.indices.deleteIndexTemplate({ name: t.name });
}

/** Refreshes the prefix's indices and counts documents of one kind (through its alias). */
export async function countDocs(
  client: Client,
  prefix: string,
  kind: string,
  query?: Record<string, unknown>,
): Promise<number> {
  await client.indices.refresh({ index: `${prefix}-${kind}`, ignore_unavailable: true, allow_no_indices: true });
  const res = await client.count({
    index: `${prefix}-${kind}`,
    ignore_unavailable: true,
    allow_no_indices: true,
    ...(query ? { query } : {}),
  });
  return res.count;
}

export interface TestElasticsearchNode {
  url: string;
  port: number;
  dir: string;
  /** Stops the node (SIGTERM); its data stays for start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  dispose(): Promise<void>;
}

/**
 * A node of its own for a test that must stop Elasticsearch (the shared one serves other test
 * files in parallel): free ports, its own data folder, started by deploy/local/elasticsearch.sh,
 * the same launcher the stack uses. Needs about 700 MB of memory and 15-30 s to start.
 */
export async function startElasticsearchNode(): Promise<TestElasticsearchNode> {
  const port = await freePort();
  const transportPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'va-es-'));
  // The node runs as an unprivileged user when tests run as root; it must reach its folder.
  chmodSync(dir, 0o755);
  const env = {
    ...process.env,
    VA_ES_PORT: String(port),
    VA_ES_TRANSPORT_PORT: String(transportPort),
    VA_ES_DIR: dir,
    VA_ES_CLUSTER_NAME: 'va-test',
    VA_ES_START_TIMEOUT_S: '300',
  };
  const script = join(REPO_ROOT, 'deploy/local/elasticsearch.sh');
  const call = async (command: string) => {
    try {
      await run('bash', [script, command], { env, timeout: 400_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`elasticsearch.sh ${command} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  };
  await call('start');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    stop: () => call('stop'),
    start: () => call('start'),
    dispose: async () => {
      await call('stop');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
