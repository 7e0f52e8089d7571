import { FAULT_KINDS, injectFault, type FaultKind } from '@va/harness/sanity-scenes/fault-catalogue';
import { fixtureSource } from '@va/harness/sanity-scenes/fixture-sources';
import type { InjectedFault } from '@va/harness/sanity-scenes/perturbations';
import { SEQUENCES, extendScene, type FixtureSource, type Scene } from '@va/harness/sanity-scenes/scene';
import { toMessages, type FixtureFrame } from '@va/harness/sanity-scenes/scene-messages';

/**
 * Service settings for the scenarios: defaults, except drift windows small enough for clips of a
 * minute. yolox_nano reports about 15 boxes a frame (every class, score >= 0.1), so the 1500-box
 * baseline is the first 100 frames or so; clean, both sequences stay under the PSI thresholds.
 */
export const SCENARIO_ENV = {
  VA_SANITY_DRIFT_BASELINE: '1500',
  VA_SANITY_DRIFT_WINDOW: '1000',
  VA_SANITY_DRIFT_EVAL_EVERY: '100',
};

/** The real sequences, stretched (forwards then backwards) to about a minute each. */
export const SCENARIO_LENGTHS = { pets: 420, tud: 284 } as const;
export type SequenceKey = keyof typeof SCENARIO_LENGTHS;

export const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);

/** A real sequence as the detector saw it (yolox_nano by default), stretched to its scenario length. */
export async function cleanScene(key: SequenceKey, source: FixtureSource = fixtureSource()): Promise<Scene> {
  const scene = await source.load(SEQUENCES[key]());
  return extendScene(scene, SCENARIO_LENGTHS[key]);
}

export interface Scenario {
  key: SequenceKey;
  kind: FaultKind;
  cameraId: string;
  fault: InjectedFault;
  frames: FixtureFrame[];
}

/** One camera per (sequence, fault): the clean scene with that one fault injected half-way. */
export async function scenarios(keys: SequenceKey[], kinds: readonly FaultKind[] = FAULT_KINDS): Promise<Scenario[]> {
  const out: Scenario[] = [];
  for (const key of keys) {
    const scene = await cleanScene(key);
    for (const kind of kinds) {
      const { scene: faulty, fault } = await injectFault(scene, kind, 0.5);
      const cameraId = `${kind}-${key}`;
      out.push({
        key,
        kind,
        cameraId,
        fault,
        frames: toMessages(faulty, { cameraId, streamEpoch: `run-${key}`, t0: T0 }),
      });
    }
  }
  return out;
}
