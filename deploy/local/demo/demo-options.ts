// The demo's command line. Flags, not environment keys: this is a tool a person runs, and the
// services it starts still get all their configuration from the environment.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';

export interface DemoOptions {
  /** Models and data (VA_SHARED_DIR, default ../shared beside the checkout). */
  sharedDir: string;
  videos: string;
  fps: number;
  /** Stop once the summary shows detections and tracks (a smoke test), or fail after `timeoutS`. */
  once: boolean;
  /** Stop after this many seconds (0: until Ctrl-C). */
  durationS: number;
  timeoutS: number;
  intervalMs: number;
  ports: 'default' | 'free';
  runtime: 'dist' | 'source';
  stateDir: string;
  natsUrl: string;
  /** The NATS users' passwords (the stack's .stack/nats); each service connects as its own user. */
  natsCredentialsDir?: string;
  esUrl: string;
  indexPrefix: string;
}

/** The help text; a plain file so `npm run demo -- --help` prints it before anything is installed (demo.sh). */
export const USAGE = readFileSync(new URL('usage.txt', import.meta.url), 'utf8').trimEnd();

export function parseDemoOptions(argv: string[], env: NodeJS.ProcessEnv, root: string): DemoOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      videos: { type: 'string' },
      fps: { type: 'string', default: '5' },
      once: { type: 'boolean', default: false },
      duration: { type: 'string', default: '0' },
      timeout: { type: 'string', default: '180' },
      interval: { type: 'string', default: '2' },
      ports: { type: 'string', default: 'default' },
      'from-source': { type: 'boolean', default: false },
      'state-dir': { type: 'string' },
      nats: { type: 'string' },
      'nats-credentials': { type: 'string' },
      es: { type: 'string' },
      'index-prefix': { type: 'string', default: 'va' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new UsageError('');
  const problems: string[] = [];
  const number = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max)
      problems.push(`--${name} must be a number in ${min}..${max} (got "${raw}")`);
    return n;
  };
  const fps = number('fps', values.fps, 0.1, 60);
  const durationS = number('duration', values.duration, 0, 7 * 24 * 3600);
  const timeoutS = number('timeout', values.timeout, 1, 3600);
  const intervalS = number('interval', values.interval, 0.2, 60);
  if (values.ports !== 'default' && values.ports !== 'free')
    problems.push(`--ports must be default or free (got "${values.ports}")`);
  const givenCredentials = values['nats-credentials'] ?? env.VA_NATS_CREDENTIALS_DIR;
  const natsCredentialsDir = resolve(givenCredentials ?? join(env.VA_STACK_DIR ?? join(root, '.stack'), 'nats'));
  if (givenCredentials && !existsSync(natsCredentialsDir))
    problems.push(`--nats-credentials: ${natsCredentialsDir} does not exist (npm run stack:up writes it)`);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const sharedDir = resolve(root, env.VA_SHARED_DIR ?? '../shared');
  return {
    sharedDir,
    videos: resolve(values.videos ?? join(sharedDir, 'data', 'video')),
    fps,
    once: values.once,
    durationS,
    timeoutS,
    intervalMs: intervalS * 1000,
    ports: values.ports as 'default' | 'free',
    runtime: values['from-source'] ? 'source' : 'dist',
    stateDir: resolve(values['state-dir'] ?? env.VA_STACK_DIR ?? join(root, '.stack')),
    natsUrl: values.nats ?? env.NATS_URL ?? `nats://127.0.0.1:${env.VA_NATS_PORT ?? 4222}`,
    // Without the folder the services connect anonymously, which only a NATS without users accepts.
    ...(existsSync(natsCredentialsDir) ? { natsCredentialsDir } : {}),
    esUrl: values.es ?? env.ES_URL ?? `http://127.0.0.1:${env.VA_ES_PORT ?? 9200}`,
    indexPrefix: values['index-prefix'],
  };
}

export class UsageError extends Error {
  override name = 'UsageError';
}
