import type { KV, KvEntry, QueuedIterator } from 'nats';
import { z } from 'zod';
import { errorMessage, openKvBucket, type Logger, type NatsConnectionHandle } from '@va/common';
import type { Rollout } from './canary-router.js';

const rolloutSchema = z.strictObject({
  stable: z.string().regex(/^[0-9]{1,9}$/),
  canary: z.strictObject({ version: z.string().regex(/^[0-9]{1,9}$/), share: z.number().gt(0).max(1) }).optional(),
});

/**
 * Which versions serve each model, shared by every worker of the queue group through a NATS KV
 * bucket (one key per model). A canary set, promoted or rolled back on one worker is applied by
 * all of them, so a camera is routed the same way whichever worker gets its frame, and a
 * restarted worker comes back with the fleet's rollout rather than its repository's latest.
 */
export class RolloutStore {
  private watcher: QueuedIterator<KvEntry> | undefined;
  private loop: Promise<void> | undefined;
  /** Newest revision per model this worker wrote or applied: older echoes of its own writes are skipped. */
  private readonly seen = new Map<string, number>();

  private constructor(
    private readonly kv: KV,
    private readonly log: Logger,
  ) {}

  /** `replicas` is VA_JS_REPLICAS. */
  static async open(nats: NatsConnectionHandle, bucket: string, replicas: number, log: Logger): Promise<RolloutStore> {
    const kv = await openKvBucket(nats, bucket, replicas, { history: 1 });
    return new RolloutStore(kv, log.child({ component: 'rollout-store', bucket }));
  }

  /** The rollouts stored now. */
  async current(): Promise<Map<string, Rollout>> {
    const out = new Map<string, Rollout>();
    for await (const key of await this.kv.keys()) {
      const entry = await this.kv.get(key);
      const rollout = entry && entry.operation === 'PUT' ? this.parse(entry) : undefined;
      if (rollout) out.set(key, rollout);
    }
    return out;
  }

  async save(model: string, rollout: Rollout | undefined): Promise<void> {
    const revision = rollout ? await this.kv.put(model, JSON.stringify(rollout)) : await this.deleted(model);
    this.seen.set(model, Math.max(this.seen.get(model) ?? 0, revision));
  }

  private async deleted(model: string): Promise<number> {
    await this.kv.delete(model);
    return (await this.kv.get(model))?.revision ?? 0;
  }

  /**
   * Calls `apply` for every stored rollout and then for every change, by any worker (this one
   * included). Applying a rollout a worker already has is a no-op, so the stored values that
   * open the watch cost nothing and close the gap since current() was read.
   */
  async watch(apply: (model: string, rollout: Rollout | undefined) => Promise<void>): Promise<void> {
    this.watcher = await this.kv.watch();
    const watcher = this.watcher;
    this.loop = (async () => {
      for await (const entry of watcher) {
        if (entry.revision <= (this.seen.get(entry.key) ?? 0)) continue;
        this.seen.set(entry.key, entry.revision);
        const rollout = entry.operation === 'PUT' ? this.parse(entry) : undefined;
        if (entry.operation === 'PUT' && !rollout) continue;
        try {
          await apply(entry.key, rollout);
        } catch (err) {
          this.log.error(
            { model: entry.key, rollout, err: errorMessage(err) },
            'could not apply the shared rollout on this worker',
          );
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.watcher?.stop();
    await this.loop;
  }

  private parse(entry: KvEntry): Rollout | undefined {
    try {
      const value = rolloutSchema.parse(entry.json());
      return value.canary ? { stable: value.stable, canary: value.canary } : { stable: value.stable };
    } catch (err) {
      this.log.warn({ model: entry.key, err: errorMessage(err) }, 'ignoring a malformed rollout in the KV bucket');
      return undefined;
    }
  }
}
