import type { JetStreamClient, JetStreamManager, KV } from 'nats';
import { errorMessage, openKvBucket, UnavailableError, type Logger } from '@va/common';
import { StreamSpec } from '@va/proto/va/ingest/v1/ingest';

/**
 * The stream definitions, persisted in a NATS KV bucket (key = camera id, value = StreamSpec
 * protobuf) so a restarted ingest resumes every stream. Only the latest revision is kept.
 */
export class StreamRegistry {
  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
    private readonly log: Logger,
  ) {}

  /** `replicas` is VA_JS_REPLICAS. */
  static async open(
    js: JetStreamClient,
    jsm: JetStreamManager,
    bucket: string,
    replicas: number,
    log: Logger,
  ): Promise<StreamRegistry> {
    const kv = await openKvBucket({ js, jsm }, bucket, replicas, {
      history: 1,
      description: 'va ingest: stream definitions by camera id',
    });
    return new StreamRegistry(kv, jsm, bucket, log.child({ component: 'registry', bucket }));
  }

  /** Every stored spec; entries that do not decode are logged and skipped (kept in the bucket). */
  async list(): Promise<StreamSpec[]> {
    // The bucket's stream lists its subjects; kv.keys() depends on a consumer's pending count,
    // which nats-server 2.9 gets wrong after deletes (it can end the listing early).
    const prefix = `$KV.${this.bucket}.`;
    const info = await this.jsm.streams.info(`KV_${this.bucket}`, { subjects_filter: `${prefix}>` });
    const keys = Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
    const specs: StreamSpec[] = [];
    for (const key of keys.sort()) {
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      try {
        const spec = StreamSpec.decode(entry.value);
        if (spec.cameraId !== key) throw new Error(`camera_id "${spec.cameraId}" does not match the key`);
        specs.push(spec);
      } catch (err) {
        this.log.error({ key, error: errorMessage(err) }, 'stored stream definition is unreadable; skipped');
      }
    }
    return specs;
  }

  async put(spec: StreamSpec): Promise<void> {
    await unavailable(`store stream ${spec.cameraId}`, this.kv.put(spec.cameraId, StreamSpec.encode(spec).finish()));
  }

  async delete(cameraId: string): Promise<void> {
    await unavailable(`delete stream ${cameraId}`, this.kv.delete(cameraId));
  }
}

/** A registry write that NATS could not take: the change is refused as a whole (UNAVAILABLE). */
async function unavailable<T>(what: string, op: Promise<T>): Promise<T> {
  try {
    return await op;
  } catch (err) {
    throw new UnavailableError(`cannot ${what} in the NATS KV registry: ${errorMessage(err)}`, { cause: err });
  }
}
