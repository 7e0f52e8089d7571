import { FAULT_KINDS, injectFault, type FaultKind } from '../../fixtures/sanity/fault-catalogue.js';
import { MotGroundTruthSource } from '../../fixtures/sanity/mot-ground-truth-source.js';
import type { InjectedFault } from '../../fixtures/sanity/perturbations.js';
import { SEQUENCES, extendScene, type Scene } from '../../fixtures/sanity/scene.js';
import { toMessages, type FixtureFrame } from '../../fixtures/sanity/scene-messages.js';

/**
 * Service settings for the scenarios: defaults, except drift windows small enough for clips of a
 * minute (clean PETS then peaks at PSI 0.19 for confidence and 0.42 for box size, under 0.25 / 0.5).
 */
export const SCENARIO_ENV = { VA_SANITY_DRIFT_BASELINE: '600', VA_SANITY_DRIFT_WINDOW: '400', VA_SANITY_DRIFT_EVAL_EVERY: '50' };

/** The real sequences, stretched (forwards then backwards) to about a minute each. */
export const SCENARIO_LENGTHS = { pets: 420, tud: 284 } as const;
export type SequenceKey = keyof typeof SCENARIO_LENGTHS;

export const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);

export async function cleanScene(key: SequenceKey): Promise<Scene> {
  const scene = await new MotGroundTruthSource().load(SEQUENCES[key]());
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
      out.push({ key, kind, cameraId, fault, frames: toMessages(faulty, { cameraId, streamEpoch: `run-${key}`, t0: T0 }) });
    }
  }
  return out;
}
