import type { JetStreamClient, JetStreamManager, KV, KvOptions } from 'nats';
import { UnavailableError } from '../errors.js';
import { isPermissionDenied } from './streams.js';

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
 * other replicas is updated to them, as ensureStreams does for streams. A service's own NATS user
 * may create its buckets but not change them (bus-identities.ts): then the difference is a clear
 * error naming the admin's job. On a single server, replicas > 1 fails with NATS's "replicas > 1
 * not supported in non-clustered mode".
 */
export async function openKvBucket(
  nats: { js: JetStreamClient; jsm: JetStreamManager },
  bucket: string,
  replicas: number,
  options: KvBucketOptions,
): Promise<KV> {
  const kv = await nats.js.views.kv(bucket, kvBucketOptions(replicas, options));
  const stream = `KV_${bucket}`;
  const info = await nats.jsm.streams.info(stream);
  if (info.config.num_replicas !== replicas) {
    await nats.jsm.streams.update(stream, { ...info.config, num_replicas: replicas }).catch((err: unknown) => {
      if (!isPermissionDenied(err)) throw err;
      throw new UnavailableError(
        `KV bucket ${bucket} has ${info.config.num_replicas} replicas, VA_JS_REPLICAS is ${replicas}, and this NATS user may not change it: update KV_${bucket} as the admin user`,
        { cause: err },
      );
    });
  }
  return kv;
}
