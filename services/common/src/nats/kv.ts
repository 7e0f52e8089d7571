import type { JetStreamClient, JetStreamManager, KV, KvOptions } from 'nats';

export interface KvBucketOptions {
  /** Values kept per key. */
  history: number;
  /** Entries expire after this long (leases, membership heartbeats). */
  ttlMs?: number;
  description?: string;
}

/** The options every KV bucket is made with: its replicas follow VA_JS_REPLICAS like the streams. */
export function kvBucketOptions(replicas: number, options: KvBucketOptions): Partial<KvOptions> {
  return {
    history: options.history,
    replicas,
    ...(options.ttlMs !== undefined ? { ttl: options.ttlMs } : {}),
    ...(options.description ? { description: options.description } : {}),
  };
}

/**
 * Opens a KV bucket, creating it with `replicas` (VA_JS_REPLICAS); a bucket made earlier with
 * other replicas is updated to them, as ensureStreams does for streams. On a single server,
 * replicas > 1 fails with NATS's "replicas > 1 not supported in non-clustered mode".
 */
export async function openKvBucket(nats: { js: JetStreamClient; jsm: JetStreamManager }, bucket: string, replicas: number, options: KvBucketOptions): Promise<KV> {
  const kv = await nats.js.views.kv(bucket, kvBucketOptions(replicas, options));
  const stream = `KV_${bucket}`;
  const info = await nats.jsm.streams.info(stream);
  if (info.config.num_replicas !== replicas) await nats.jsm.streams.update(stream, { ...info.config, num_replicas: replicas });
  return kv;
}
