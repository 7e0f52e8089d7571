// The per-frame cost levers of issue 14 that `bench:e2e -- --ablation` measures one at a time
// against the defaults, then together. Each is a switch the pipeline already has: a service's
// environment key (ingest's detection schedule and motion gate, inference's detector and ORT
// threads) or the streams' letterbox (camera-streams.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@va/harness/shared';
import type { ServiceName } from '@va/harness/pipeline/service-catalog';

export interface LeverConfig {
  name: string;
  /** What differs from the defaults, for the table. */
  what: string;
  env: Partial<Record<ServiceName, Record<string, string>>>;
  /** ORT intra-op threads; undefined: the benchmark's own (--threads or half the cores). */
  threads?: number;
  /** Letterbox in ffmpeg at ingest (the default) or full frames letterboxed by inference. */
  letterbox: boolean;
}

const INT8_MODEL = join(REPO_ROOT, 'services/batching-inference/models/yolox_nano_int8/1/model.onnx');

const DETECT_EVERY_2 = { VA_INGEST_DEFAULT_DETECT_EVERY: '2' };
const MOTION_GATE = { VA_INGEST_MOTION_GATE: 'true' };
const INT8 = { VA_INFERENCE_DETECTOR: 'yolox_nano_int8' };

export const ABLATION_LEVERS: readonly LeverConfig[] = [
  {
    name: 'baseline',
    what: 'defaults: every frame detected, no gate, float yolox_nano, letterbox in ffmpeg',
    env: {},
    letterbox: true,
  },
  {
    name: 'detect_every_2',
    what: 'VA_INGEST_DEFAULT_DETECT_EVERY=2',
    env: { ingest: DETECT_EVERY_2 },
    letterbox: true,
  },
  { name: 'motion_gate', what: 'VA_INGEST_MOTION_GATE=true', env: { ingest: MOTION_GATE }, letterbox: true },
  { name: 'int8', what: 'VA_INFERENCE_DETECTOR=yolox_nano_int8', env: { 'batching-inference': INT8 }, letterbox: true },
  { name: 'threads_2', what: 'VA_INFERENCE_THREADS=2', env: {}, threads: 2, letterbox: true },
  {
    name: 'letterbox_off',
    what: 'full 768x432 frames on the bus, letterboxed by inference in Node',
    env: {},
    letterbox: false,
  },
  {
    name: 'combined',
    what: 'detect_every 2 + motion gate + int8 (the levers that take work away)',
    env: { ingest: { ...DETECT_EVERY_2, ...MOTION_GATE }, 'batching-inference': INT8 },
    letterbox: true,
  },
];

/** The levers named in `list` (comma-separated; all when undefined), in the table's order. */
export function selectLevers(list: string | undefined): LeverConfig[] {
  if (list === undefined) return [...ABLATION_LEVERS];
  const names = list
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n.length > 0);
  const unknown = names.filter((n) => !ABLATION_LEVERS.some((l) => l.name === n));
  if (unknown.length > 0)
    throw new Error(`unknown lever(s) ${unknown.join(', ')}; known: ${ABLATION_LEVERS.map((l) => l.name).join(', ')}`);
  return ABLATION_LEVERS.filter((l) => names.includes(l.name));
}

/** Why a lever cannot run on this checkout, or undefined. */
export function leverUnavailable(l: LeverConfig): string | undefined {
  const needsInt8 = l.env['batching-inference']?.VA_INFERENCE_DETECTOR === 'yolox_nano_int8';
  if (needsInt8 && !existsSync(INT8_MODEL)) return `${INT8_MODEL} is missing: run npm run model:int8 first`;
  return undefined;
}
