import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.js';
import { REPO_ROOT } from './shared.js';

export interface PromSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

export interface TestPrometheus {
  url: string;
  /** GET /api/v1/<path> with query parameters; throws on an error status with Prometheus's message. */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  queryRange(expr: string, startS: number, endS: number, stepS?: number): Promise<PromSeries[]>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * A real Prometheus (Debian package prometheus) for one test file: a generated configuration
 * scraping `targets` (job name -> 127.0.0.1 port) every `scrapeIntervalS` and loading every
 * rule file of deploy/prometheus/rules, on a free port with its own storage.
 */
export async function startPrometheus(targets: Record<string, number>, scrapeIntervalS = 1): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'va-prometheus-'));
  const config = [
    'global:',
    `  scrape_interval: ${scrapeIntervalS}s`,
    `  evaluation_interval: ${scrapeIntervalS}s`,
    'rule_files:',
    ...ruleFiles().map((f) => `  - ${JSON.stringify(f)}`),
    'scrape_configs:',
    ...Object.entries(targets).flatMap(([job, port]) => [
      `  - job_name: ${JSON.stringify(job)}`,
      `    static_configs: [{ targets: ["127.0.0.1:${port}"] }]`,
    ]),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  let port = await freePort();
  let proc: ChildProcess | undefined;
  let out = '';
  for (let attempt = 1; ; attempt++) {
    out = '';
    proc = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const p = proc;
    p.stdout?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
    p.stderr?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
    const failed = new Promise<never>((_, reject) => {
      p.once('error', (err) =>
        reject(
          new Error(
            `prometheus not runnable (${err.message}); install it with: sudo apt-get install -y prometheus (or run deploy/local/setup.sh)`,
          ),
        ),
      );
      p.once('exit', (code) => reject(new Error(`prometheus exited with ${code}:\n${out.slice(-3000)}`)));
    });
    failed.catch(() => {});
    try {
      await Promise.race([
        waitFor(async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok, {
          timeoutMs: 30_000,
          what: 'prometheus to be ready',
        }),
        failed,
      ]);
      break;
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test(String(err))) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      port = await freePort();
    }
  }
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params).toString()}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success')
      throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    url,
    api,
    queryRange: async (expr, startS, endS, stepS = 1) =>
      (
        await api<{ result: PromSeries[] }>('query_range', {
          query: expr,
          start: String(startS),
          end: String(endS),
          step: String(stepS),
        })
      ).result,
    output: () => out,
    stop: async () => {
      const p = proc;
      if (p && p.exitCode === null) {
        const exited = new Promise((resolve) => p.once('exit', resolve));
        p.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The alert and recording rule files every Prometheus of the project loads (deploy/prometheus/rules). */
export function ruleFiles(): string[] {
  const dir = join(REPO_ROOT, 'deploy', 'prometheus', 'rules');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(dir, f));
}

/** How many rules (alert and record) the rule files hold. */
export function ruleCount(): number {
  return ruleFiles().reduce((n, f) => n + (readFileSync(f, 'utf8').match(/^\s*- (alert|record):/gm)?.length ?? 0), 0);
}
