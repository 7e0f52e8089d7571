import {
  errorMessage,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  type Logger,
} from '@va/common';
import { ModelState, type ModelVersionStatus } from '@va/proto/va/inference/v1/inference';
import type { Scheduler } from '../batcher/scheduler.js';
import type { InferenceMetrics } from '../metrics.js';
import type { ModelRepository } from '../repository/model-repository.js';
import { loadModel, type LoadSettings } from '../runtime/model-loader.js';
import { routeVersion, trafficShares, type Rollout } from './canary-router.js';
import { ServedModel } from './served-model.js';

type Entry =
  | { state: 'LOADING'; promise: Promise<ServedModel> }
  | { state: 'READY'; served: ServedModel }
  | { state: 'UNAVAILABLE'; reason: string };

export interface ModelManagerOptions {
  repository: ModelRepository;
  load: LoadSettings;
  metrics: InferenceMetrics;
  log: Logger;
  scheduler?: Scheduler;
  /** Called whenever a rollout changes (to share it with other workers). */
  onRolloutChange?: (model: string, rollout: Rollout | undefined) => void;
}

/**
 * The loaded model versions and which of them serves whom. A model's first loaded version
 * becomes its stable version; another version serves only when asked for by number, or as a
 * canary for a share of cameras, until it is promoted or rolled back. A version that fails to
 * load is recorded with its reason and the others keep serving.
 */
export class ModelManager {
  private readonly entries = new Map<string, Map<string, Entry>>();
  private readonly rollouts = new Map<string, Rollout>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly log: Logger;

  constructor(private readonly options: ModelManagerOptions) {
    this.log = options.log.child({ component: 'model-manager' });
  }

  get repository(): ModelRepository {
    return this.options.repository;
  }

  /** Loads a version (the repository's latest when omitted); idempotent for a loaded version. */
  load(name: string, version?: string): Promise<ServedModel> {
    return this.withLock(name, () => this.loadUnlocked(name, version));
  }

  /** Loads each model's latest version; failures are logged and shown in status, not thrown. */
  async loadAll(names: readonly string[]): Promise<Array<{ name: string; error?: string }>> {
    const out: Array<{ name: string; error?: string }> = [];
    for (const name of names) {
      try {
        await this.load(name);
        out.push({ name });
      } catch (err) {
        out.push({ name, error: errorMessage(err) });
      }
    }
    return out;
  }

  /** Unloads one version, or every version of the model when `version` is empty. */
  unload(name: string, version?: string): Promise<void> {
    return this.withLock(name, async () => {
      const versions = this.entries.get(name);
      if (!versions || versions.size === 0) throw new NotFoundError(`model ${name} is not loaded`);
      const targets = version ? [version] : [...versions.keys()];
      const rollout = this.rollouts.get(name);
      for (const v of targets) {
        if (!versions.has(v))
          throw new NotFoundError(
            `model ${name} version ${v} is not loaded (loaded: ${[...versions.keys()].join(', ')})`,
          );
        if (version && rollout?.canary && rollout.stable === v) {
          throw new FailedPreconditionError(
            `version ${v} of ${name} is stable while version ${rollout.canary.version} is a canary: promote or roll back first`,
          );
        }
      }
      if (rollout) {
        if (!version || rollout.stable === version) this.setRollout(name, undefined);
        else if (rollout.canary?.version === version) this.setRollout(name, { stable: rollout.stable });
      }
      await Promise.all(targets.map((v) => this.drop(name, v)));
    });
  }

  /** Routes `share` of cameras to `version` (loading it first when needed). */
  setCanary(name: string, version: string, share: number): Promise<void> {
    if (!(share > 0 && share <= 1))
      return Promise.reject(new InvalidArgumentError(`share must be in (0, 1], got ${share}`, 'share'));
    if (!version) return Promise.reject(new InvalidArgumentError('a canary needs a version', 'version'));
    return this.withLock(name, async () => {
      const rollout = this.rollouts.get(name);
      if (!rollout)
        throw new FailedPreconditionError(`model ${name} has no serving version to canary against: load one first`);
      if (rollout.stable === version)
        throw new FailedPreconditionError(`version ${version} of ${name} is already the stable version`);
      await this.loadUnlocked(name, version);
      const previous = rollout.canary?.version;
      this.setRollout(name, { stable: rollout.stable, canary: { version, share } });
      if (previous && previous !== version) await this.drop(name, previous);
      this.log.info({ model: name, stable: rollout.stable, canary: version, share }, 'canary set');
    });
  }

  /** Sends every camera back to the stable version and unloads the canary. */
  rollback(name: string): Promise<void> {
    return this.withLock(name, async () => {
      const rollout = this.rollouts.get(name);
      if (!rollout?.canary) throw new FailedPreconditionError(`model ${name} has no canary to roll back`);
      const canary = rollout.canary.version;
      this.setRollout(name, { stable: rollout.stable });
      await this.drop(name, canary);
      this.log.info({ model: name, stable: rollout.stable, rolledBack: canary }, 'canary rolled back');
    });
  }

  /** Makes the canary the stable version for every camera and unloads the old stable one. */
  promote(name: string): Promise<void> {
    return this.withLock(name, async () => {
      const rollout = this.rollouts.get(name);
      if (!rollout?.canary) throw new FailedPreconditionError(`model ${name} has no canary to promote`);
      const old = rollout.stable;
      this.setRollout(name, { stable: rollout.canary.version });
      await this.drop(name, old);
      this.log.info({ model: name, stable: rollout.canary.version, retired: old }, 'canary promoted');
    });
  }

  /** Applies a rollout decided elsewhere (another worker), loading what it needs. */
  applyRollout(name: string, rollout: Rollout | undefined): Promise<void> {
    return this.withLock(name, async () => {
      const current = this.rollouts.get(name);
      if (JSON.stringify(current) === JSON.stringify(rollout)) return;
      if (!rollout) {
        this.rollouts.delete(name);
        for (const v of [...(this.entries.get(name)?.keys() ?? [])]) await this.drop(name, v);
        return;
      }
      const wanted = [rollout.stable, ...(rollout.canary ? [rollout.canary.version] : [])];
      // Set first, so loading a model's first version here does not claim "stable" for itself.
      this.rollouts.set(name, rollout);
      const failures: string[] = [];
      for (const v of wanted) {
        try {
          await this.loadUnlocked(name, v);
        } catch (err) {
          failures.push(`version ${v}: ${errorMessage(err)}`);
        }
      }
      this.updateShares(name);
      for (const v of [...(this.entries.get(name)?.keys() ?? [])]) if (!wanted.includes(v)) await this.drop(name, v);
      if (failures.length > 0) throw new UnavailableError(`rollout of ${name} applied, but ${failures.join('; ')}`);
      this.log.info({ model: name, rollout }, 'shared rollout applied');
    });
  }

  rollout(name: string): Rollout | undefined {
    return this.rollouts.get(name);
  }

  /**
   * The version serving a request: the one asked for, else the camera's side of the rollout.
   * Throws NOT_FOUND for a model that was never loaded, UNAVAILABLE for one that failed to.
   */
  resolve(name: string, options: { version?: string; cameraId?: string } = {}): ServedModel {
    const versions = this.entries.get(name);
    const version =
      options.version ||
      (this.rollouts.has(name) ? routeVersion(this.rollouts.get(name) as Rollout, options.cameraId) : undefined);
    if (!version) {
      const failed = [...(versions?.values() ?? [])].find((e) => e.state === 'UNAVAILABLE');
      if (failed?.state === 'UNAVAILABLE') throw new UnavailableError(`model ${name} is unavailable: ${failed.reason}`);
      throw new NotFoundError(`model ${name} is not loaded`);
    }
    const entry = versions?.get(version);
    if (!entry) throw new NotFoundError(`model ${name} version ${version} is not loaded`);
    if (entry.state === 'READY') return entry.served;
    if (entry.state === 'LOADING') throw new UnavailableError(`model ${name} version ${version} is still loading`);
    throw new UnavailableError(`model ${name} version ${version} is unavailable: ${entry.reason}`);
  }

  /** True when the model has a serving version. */
  isServing(name: string): boolean {
    try {
      this.resolve(name);
      return true;
    } catch {
      return false;
    }
  }

  status(name?: string): ModelVersionStatus[] {
    const out: ModelVersionStatus[] = [];
    const names = name ? [name] : [...this.entries.keys()].sort();
    for (const n of names) {
      const versions = this.entries.get(n);
      if (!versions) continue;
      const rollout = this.rollouts.get(n);
      const shares = rollout ? trafficShares(rollout) : new Map<string, number>();
      for (const [version, entry] of [...versions].sort((a, b) => Number(a[0]) - Number(b[0]))) {
        if (entry.state === 'READY') {
          out.push(entry.served.status(shares.get(version) ?? 0));
        } else {
          out.push({
            name: n,
            version,
            state: entry.state === 'LOADING' ? ModelState.MODEL_STATE_LOADING : ModelState.MODEL_STATE_UNAVAILABLE,
            executionProvider: '',
            maxBatchSize: 0,
            dynamicBatch: false,
            reason: entry.state === 'UNAVAILABLE' ? entry.reason : 'loading',
            stats: undefined,
            trafficShare: 0,
            batching: '',
            kind: '',
            inputWidth: 0,
            inputHeight: 0,
            loadMs: 0,
          });
        }
      }
    }
    return out;
  }

  /** Unloads everything (shutdown): queued work finishes first. */
  async close(): Promise<void> {
    const all = [...this.entries].flatMap(([name, versions]) => [...versions.keys()].map((v) => [name, v] as const));
    await Promise.all(all.map(([name, v]) => this.drop(name, v)));
  }

  private async loadUnlocked(name: string, version?: string): Promise<ServedModel> {
    let spec;
    try {
      spec = this.options.repository.resolve(name, version);
    } catch (err) {
      // Shown in ModelStatus under the version it was meant to be (a model not in the repository at all is not shown).
      const meant = version || this.latestVersionOf(name);
      if (meant) this.record(name, meant, { state: 'UNAVAILABLE', reason: errorMessage(err) });
      this.options.metrics.modelLoadFailures.inc({ model: name, reason: (err as Error).name ?? 'Error' });
      this.log.error({ model: name, version, err: errorMessage(err) }, 'model version could not be resolved');
      throw err;
    }
    const existing = this.entries.get(name)?.get(spec.version);
    if (existing?.state === 'READY') return existing.served;
    if (existing?.state === 'LOADING') return existing.promise;
    const promise = loadModel(spec, this.options.load, this.options.log).then(
      (loaded) => new ServedModel(loaded, this.options.metrics, this.options.scheduler),
    );
    this.record(name, spec.version, { state: 'LOADING', promise });
    try {
      const served = await promise;
      this.record(name, spec.version, { state: 'READY', served });
      if (!this.rollouts.has(name)) this.setRollout(name, { stable: spec.version });
      return served;
    } catch (err) {
      this.record(name, spec.version, { state: 'UNAVAILABLE', reason: errorMessage(err) });
      this.options.metrics.modelLoadFailures.inc({ model: name, reason: (err as Error).name ?? 'Error' });
      this.log.error(
        { model: name, version: spec.version, file: spec.modelPath, err: errorMessage(err) },
        'model version failed to load; other models keep serving',
      );
      throw err;
    }
  }

  private latestVersionOf(name: string): string | undefined {
    try {
      return this.options.repository.latestVersion(name);
    } catch {
      return undefined;
    }
  }

  private record(name: string, version: string, entry: Entry): void {
    let versions = this.entries.get(name);
    if (!versions) {
      versions = new Map();
      this.entries.set(name, versions);
    }
    versions.set(version, entry);
  }

  private async drop(name: string, version: string): Promise<void> {
    const versions = this.entries.get(name);
    const entry = versions?.get(version);
    versions?.delete(version);
    if (versions?.size === 0) this.entries.delete(name);
    if (entry?.state === 'READY') await entry.served.unload();
  }

  private setRollout(name: string, rollout: Rollout | undefined): void {
    if (rollout) this.rollouts.set(name, rollout);
    else this.rollouts.delete(name);
    this.updateShares(name);
    this.options.onRolloutChange?.(name, rollout);
  }

  private updateShares(name: string): void {
    const rollout = this.rollouts.get(name);
    const shares = rollout ? trafficShares(rollout) : new Map<string, number>();
    for (const [version, entry] of this.entries.get(name) ?? []) {
      if (entry.state === 'READY')
        this.options.metrics.trafficShare.set({ model: name, version }, shares.get(version) ?? 0);
    }
  }

  private withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(name) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    this.locks.set(
      name,
      next.catch(() => undefined),
    );
    return next;
  }
}
