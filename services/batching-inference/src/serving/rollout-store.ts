import type { KV, KvEntry, QueuedIterator } from 'nats';
import { z } from 'zod';
import { errorMessage, type Logger, type NatsConnectionHandle } from '@va/common';
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

  private constructor(
    private readonly kv: KV,
    private readonly log: Logger,
  ) {}

  static async open(nats: NatsConnectionHandle, bucket: string, log: Logger): Promise<RolloutStore> {
    const kv = await nats.js.views.kv(bucket, { history: 1 });
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
    if (rollout) await this.kv.put(model, JSON.stringify(rollout));
    else await this.kv.delete(model);
  }

  /** Calls `apply` for every change made after this call, by any worker (this one included). */
  async watch(apply: (model: string, rollout: Rollout | undefined) => Promise<void>): Promise<void> {
    let initialized = false;
    this.watcher = await this.kv.watch({ initializedFn: () => (initialized = true) });
    const watcher = this.watcher;
    this.loop = (async () => {
      for await (const entry of watcher) {
        if (!initialized) continue; // start-up state is applied by the caller from current()
        const rollout = entry.operation === 'PUT' ? this.parse(entry) : undefined;
        if (entry.operation === 'PUT' && !rollout) continue;
        try {
          await apply(entry.key, rollout);
        } catch (err) {
          this.log.error({ model: entry.key, rollout, err: errorMessage(err) }, 'could not apply the shared rollout on this worker');
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
