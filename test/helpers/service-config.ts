import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '@va/harness/shared';

export interface ServiceConfigCheck {
  /** "KEY: message" for every problem the service's own config.ts finds. */
  issues: string[];
  /** Keys of the environment (VA_*, NATS_*, ES_*) the service does not read. */
  unknown: string[];
}

// Keys the services read by pattern rather than from a fixed list.
const PATTERN_KEYS = [
  /^VA_[A-Z0-9_]+_GRPC_(ADDR|TOKEN|TLS_CA|TLS_CERT|TLS_KEY)$/,
  /^VA_SEARCH_RETENTION_DAYS_[A-Z_]+$/,
];

/**
 * Loads a service's configuration from `env` in a child process, exactly as its main.ts does
 * (services/<service>/src/config.ts loadConfig), and lists the keys it would ignore.
 */
export function checkServiceConfig(service: string, env: Record<string, string>): ServiceConfigCheck {
  const result = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'test/fixtures/service-config-check.ts', service, JSON.stringify(env)],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    },
  );
  if (result.status !== 0) throw new Error(`config check of ${service} failed: ${result.stderr}`);
  const { issues, keys } = JSON.parse(result.stdout) as { issues: string[]; keys: string[] };
  const read = (key: string) => keys.includes(key) || PATTERN_KEYS.some((p) => p.test(key));
  // Secrets may come from a file named in <KEY>_FILE (README: Configuration).
  const known = (key: string) =>
    read(key) || (/_(PASSWORD|TOKEN|TOKENS|API_KEY)_FILE$/.test(key) && read(key.slice(0, -5)));
  return { issues, unknown: Object.keys(env).filter((k) => /^(VA|NATS|ES)_/.test(k) && !known(k)) };
}
