// `--env=SERVICE:KEY=VALUE`: a setting that differs from a service's default for one load run, so
// variants (an admission bound, a frame-age budget) can be compared side by side on the same machine.
import { SERVICE_NAMES, type ServiceName } from '@va/harness/pipeline/service-catalog';

export type ServiceEnv = Partial<Record<ServiceName, Record<string, string>>>;

/** undefined when an entry names no service or is not KEY=VALUE with an upper-case VA_ key. */
export function parseServiceEnv(entries: string[]): ServiceEnv | undefined {
  const env: ServiceEnv = {};
  for (const entry of entries) {
    const m = /^([a-z-]+):(VA_[A-Z0-9_]+)=(.*)$/.exec(entry);
    const service = m?.[1] as ServiceName | undefined;
    if (!m || !service || !SERVICE_NAMES.includes(service)) return undefined;
    env[service] = { ...env[service], [m[2] as string]: m[3] as string };
  }
  return env;
}
