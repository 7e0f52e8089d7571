import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';

/** A piece of configuration: environment variable name -> schema of its value. */
export type EnvShape = Record<string, z.ZodType>;
export type EnvOf<S extends EnvShape> = { [K in keyof S]: z.output<S[K]> };
export type Env = Record<string, string | undefined>;

/**
 * Keys that may instead be given as a path in `<KEY>_FILE` (Docker/Kubernetes secrets).
 */
const SECRET_KEY = /(PASSWORD|TOKEN|TOKENS|API_KEY|SECRET)$/;

/**
 * Parses every piece against the environment and throws one ConfigError naming
 * every bad key. Unset and empty variables both count as "not given".
 */
export function parseEnv<S extends EnvShape>(shape: S, env: Env): EnvOf<S> {
  const issues: ConfigIssue[] = [];
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') {
      input[key] = value;
    } else if (SECRET_KEY.test(key) && env[`${key}_FILE`]) {
      const file = env[`${key}_FILE`] as string;
      try {
        input[key] = readFileSync(file, 'utf8').trim();
      } catch (err) {
        issues.push({ key: `${key}_FILE`, message: `cannot read ${file}: ${(err as Error).message}` });
      }
    }
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.length > 0 ? String(issue.path[0]) : '(config)';
      issues.push({ key, message: issue.message });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return (result as { data: EnvOf<S> }).data;
}

/**
 * Loads several configuration pieces and reports the bad keys of all of them in one
 * ConfigError: `loadPieces({ base: () => loadBaseConfig(env, ...), nats: () => loadNatsConfig(env) })`.
 */
export function loadPieces<P extends Record<string, () => unknown>>(pieces: P): { [K in keyof P]: ReturnType<P[K]> } {
  const issues: ConfigIssue[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, load] of Object.entries(pieces)) {
    try {
      result[name] = load();
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return result as { [K in keyof P]: ReturnType<P[K]> };
}

// Small builders so every piece states type, bounds and default in one line.

export function int(def: number | undefined, min: number, max: number) {
  const schema = z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(min, `must be >= ${min}`)
    .max(max, `must be <= ${max}`);
  return def === undefined ? schema : schema.default(def);
}

export function num(def: number | undefined, min: number, max: number) {
  const schema = z.coerce
    .number({ error: 'must be a number' })
    .min(min, `must be >= ${min}`)
    .max(max, `must be <= ${max}`);
  return def === undefined ? schema : schema.default(def);
}

export const port = (def: number) => int(def, 0, 65535);

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export function bool(def: boolean) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return def;
      const lower = v.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      ctx.addIssue({ code: 'custom', message: 'must be true or false' });
      return z.NEVER;
    });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, def: T[number]) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` }).default(def as never);
}

export const optionalString = () => z.string().optional();

/** A path to a file that must exist and be readable. */
export function readableFile() {
  return z.string().refine((p) => {
    try {
      readFileSync(p);
      return true;
    } catch {
      return false;
    }
  }, 'file does not exist or cannot be read');
}

/** Comma-separated list. */
export function list(def: string[] = []) {
  return z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
    .optional()
    .transform((v) => v ?? def);
}
