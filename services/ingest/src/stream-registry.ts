import type { JetStreamClient, KV } from 'nats';
import { errorMessage, type Logger } from '@va/common';
import { StreamSpec } from '@va/common/gen/va/ingest/v1/ingest';

/**
 * The stream definitions, persisted in a NATS KV bucket (key = camera id, value = StreamSpec
 * protobuf) so a restarted ingest resumes every stream. Only the latest revision is kept.
 */
export class StreamRegistry {
  private constructor(
    private readonly kv: KV,
    private readonly log: Logger,
  ) {}

  static async open(js: JetStreamClient, bucket: string, log: Logger): Promise<StreamRegistry> {
    const kv = await js.views.kv(bucket, { history: 1, description: 'va ingest: stream definitions by camera id' });
    return new StreamRegistry(kv, log.child({ component: 'registry', bucket }));
  }

  /** Every stored spec; entries that do not decode are logged and skipped (kept in the bucket). */
  async list(): Promise<StreamSpec[]> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys()) keys.push(key);
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
    await this.kv.put(spec.cameraId, StreamSpec.encode(spec).finish());
  }

  async delete(cameraId: string): Promise<void> {
    await this.kv.delete(cameraId);
  }
}
