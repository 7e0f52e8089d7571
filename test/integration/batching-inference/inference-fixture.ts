// Shared set-up for the batching-inference integration tests: a real service process (from
// harness/src/inference-service.ts, which other services' tests use too), a temporary model
// repository pointing at the real models, and the PETS09 JPEGs.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, sharedFile } from '@va/harness/shared';

export { INFERENCE_TOKENS as TOKENS, startInference, type InferenceProcess } from '@va/harness/inference-service';

/** A shipped model config (services/batching-inference/models/<name>/config.json) with overrides. */
export function shippedConfig(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const config = JSON.parse(
    readFileSync(join(REPO_ROOT, 'services/batching-inference/models', name, 'config.json'), 'utf8'),
  ) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...config, sources: {} };
  for (const [k, v] of Object.entries(overrides)) {
    const prev = merged[k];
    merged[k] =
      prev && typeof prev === 'object' && !Array.isArray(prev) && v && typeof v === 'object' && !Array.isArray(v)
        ? { ...prev, ...v }
        : v;
  }
  return merged;
}

export interface RepoModel {
  name: string;
  config: Record<string, unknown>;
  /** version -> a shared model file to link (relative to the shared folder) or the bytes to write. */
  versions: Record<string, string | Uint8Array>;
  /** Per-version config.json overrides. */
  versionConfigs?: Record<string, Record<string, unknown>>;
}

/** A model repository in a temporary folder; model files are links to ../shared, never copies. */
export function tempRepository(models: RepoModel[]): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'va-model-repo-'));
  for (const m of models) {
    mkdirSync(join(dir, m.name), { recursive: true });
    writeFileSync(join(dir, m.name, 'config.json'), JSON.stringify({ ...m.config, name: m.name }, null, 2));
    for (const [version, file] of Object.entries(m.versions)) {
      const vdir = join(dir, m.name, version);
      mkdirSync(vdir, { recursive: true });
      if (typeof file === 'string') symlinkSync(sharedFile(file), join(vdir, 'model.onnx'));
      else writeFileSync(join(vdir, 'model.onnx'), file);
      const override = m.versionConfigs?.[version];
      if (override) writeFileSync(join(vdir, 'config.json'), JSON.stringify(override));
    }
  }
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bytes of a PETS09-S2L1 JPEG (frames 1, 100, 200, 300 exist). */
export function petsJpeg(frame: number): Buffer {
  return readFileSync(sharedFile(`data/mot15/PETS09-S2L1/img1/${String(frame).padStart(6, '0')}.jpg`));
}
