import { errorMessage, type Logger } from '@va/common';
import type { ModelManager } from './model-manager.js';
import type { RolloutStore } from './rollout-store.js';

/**
 * Brings up the models at start: first the rollouts the fleet shares (so a restarted worker serves
 * the same versions and canaries as the others), then the configured models that have none yet
 * (their latest versions). Failures are logged and shown in ModelStatus; the service starts anyway
 * and serves what loaded. Then follows rollout changes made by any worker.
 */
export async function startModels(
  manager: ModelManager,
  store: RolloutStore | undefined,
  models: readonly string[],
  log: Logger,
): Promise<void> {
  const shared = store ? await store.current() : new Map();
  for (const [name, rollout] of shared) {
    await manager
      .applyRollout(name, rollout)
      .catch((err: unknown) =>
        log.error({ model: name, rollout, err: errorMessage(err) }, 'shared rollout could not be applied'),
      );
  }
  const results = await manager.loadAll(models.filter((m) => !shared.has(m)));
  const failed = results.filter((r) => r.error);
  if (failed.length > 0) log.error({ failed }, 'some models failed to load; the others are serving');
  if (store) await store.watch((model, rollout) => manager.applyRollout(model, rollout));
}
