import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { NotFoundError } from '@va/common';
import { ModelConfigError, ModelFileMissingError } from '../model-errors.js';
import { mergeConfigs, parseModelConfig, type ModelConfig } from './model-config.js';

/** One version of one model, resolved to a file on disk and its effective config. */
export interface ModelVersionSpec {
  name: string;
  version: string;
  config: ModelConfig;
  /** The ONNX file to load. */
  modelPath: string;
  /** Where it came from: the version folder, or the shared folder through config `sources`. */
  origin: 'repository' | 'shared';
}

export interface RepositoryOptions {
  /** Folder that `sources` paths are relative to (VA_SHARED_DIR). */
  sharedDir: string;
}

const VERSION = /^[0-9]{1,9}$/;

/**
 * The model repository on disk, Triton's layout:
 *
 *   <root>/<name>/config.json            preprocessing, decoder, batching, providers
 *   <root>/<name>/<version>/model.onnx   the model (not committed for shipped models)
 *   <root>/<name>/<version>/config.json  optional per-version overrides
 *
 * A version exists when its folder exists or the config names a `sources` file for it. The
 * folder is read on every call, so LoadModel picks up versions added while the service runs.
 */
export class ModelRepository {
  readonly root: string;

  constructor(
    root: string,
    private readonly options: RepositoryOptions,
  ) {
    this.root = resolve(root);
  }

  /** Model names (folders holding a config.json). */
  modelNames(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root)
      .filter((name) => !name.startsWith('.') && existsSync(join(this.root, name, 'config.json')))
      .sort();
  }

  /** The model's versions in ascending order; throws for an unknown model or a broken config. */
  versions(name: string): string[] {
    const base = this.readModelConfig(name);
    const dir = this.modelDir(name);
    const fromFolders = readdirSync(dir).filter((v) => VERSION.test(v) && statSync(join(dir, v)).isDirectory());
    const fromSources = Object.keys(base.config.sources ?? {});
    return [...new Set([...fromFolders, ...fromSources])].sort((a, b) => Number(a) - Number(b));
  }

  latestVersion(name: string): string {
    const versions = this.versions(name);
    const latest = versions[versions.length - 1];
    if (latest === undefined)
      throw new ModelFileMissingError(
        `model ${name} has no versions in ${this.modelDir(name)} (add a numbered folder with model.onnx, or "sources" in config.json)`,
      );
    return latest;
  }

  /** Resolves one version (the latest when omitted) with a clear error for each way it can be missing. */
  resolve(name: string, version?: string): ModelVersionSpec {
    const v = version && version.length > 0 ? version : this.latestVersion(name);
    if (!VERSION.test(v)) throw new NotFoundError(`model version "${v}" is not a number`);
    const base = this.readModelConfig(name);
    const versions = this.versions(name);
    if (!versions.includes(v))
      throw new NotFoundError(`model ${name} has no version ${v} (versions: ${versions.join(', ') || 'none'})`);

    const versionDir = join(this.modelDir(name), v);
    const versionConfigFile = join(versionDir, 'config.json');
    let raw = base.raw;
    if (existsSync(versionConfigFile)) raw = mergeConfigs(raw, readJson(versionConfigFile));
    const configFile = existsSync(versionConfigFile)
      ? `${this.display(base.file)} + ${this.display(versionConfigFile)}`
      : this.display(base.file);
    const config = parseModelConfig(raw, configFile);
    if (config.name !== name)
      throw new ModelConfigError(configFile, [`name: "${config.name}" does not match its folder "${name}"`]);

    const local = join(versionDir, 'model.onnx');
    if (existsSync(local)) return { name, version: v, config, modelPath: local, origin: 'repository' };
    const source = config.sources[v];
    if (source === undefined) {
      throw new ModelFileMissingError(
        `model ${name} version ${v}: ${this.display(local)} does not exist and config.json has no "sources" entry for version ${v}`,
      );
    }
    const shared = resolve(this.options.sharedDir, source);
    if (!existsSync(shared)) {
      throw new ModelFileMissingError(
        `model ${name} version ${v}: ${this.display(local)} does not exist and its source ${source} is not at ${shared}; ` +
          'set VA_SHARED_DIR to the folder holding models/, or put the file at the first path',
      );
    }
    return { name, version: v, config, modelPath: shared, origin: 'shared' };
  }

  private modelDir(name: string): string {
    if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(name) || name.includes('..'))
      throw new NotFoundError(`"${name}" is not a model name`);
    const dir = join(this.root, name);
    if (!existsSync(join(dir, 'config.json'))) {
      throw new NotFoundError(
        `model ${name} is not in the repository ${this.root} (models: ${this.modelNames().join(', ') || 'none'})`,
      );
    }
    return dir;
  }

  private readModelConfig(name: string): { raw: Record<string, unknown>; config: Partial<ModelConfig>; file: string } {
    const file = join(this.modelDir(name), 'config.json');
    const raw = readJson(file);
    const sources = raw.sources;
    const config: Partial<ModelConfig> =
      typeof sources === 'object' && sources !== null ? { sources: sources as Record<string, string> } : {};
    return { raw, config, file };
  }

  private display(path: string): string {
    const rel = relative(process.cwd(), path);
    return rel.startsWith('..') ? path : rel;
  }
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelConfigError(file, [`cannot read: ${(err as Error).message}`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ModelConfigError(file, ['must hold a JSON object']);
  return value as Record<string, unknown>;
}
