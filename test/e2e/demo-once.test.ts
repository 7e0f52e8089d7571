// The main job as a user runs it (deploy/local/demo.ts, here with --once and free ports): the
// five services start, the real clips stream in, and the live summary shows detections and tracks.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deletePrefix, esClient, esUrl, uniquePrefix } from '@va/harness/elasticsearch';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { REPO_ROOT } from '@va/harness/shared';

describe('npm run demo -- --once', () => {
  let nats: TestNatsServer;
  let stateDir: string;
  const prefix = uniquePrefix('demo');
  let output = '';
  let exitCode: number | null = null;

  before(async () => {
    nats = await startNatsServer();
    stateDir = mkdtempSync(join(tmpdir(), 'va-demo-'));
    const demo = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        'deploy/local/demo.ts',
        '--once',
        '--ports=free',
        '--from-source',
        '--interval=1',
        `--nats=${nats.url}`,
        `--nats-credentials=${nats.credentialsDir}`,
        `--es=${esUrl()}`,
        `--index-prefix=${prefix}`,
        `--state-dir=${stateDir}`,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    demo.stdout.on('data', (c: Buffer) => (output += c.toString()));
    demo.stderr.on('data', (c: Buffer) => (output += c.toString()));
    // Hang guard only: the demo stops by itself once detections and tracks show (or after its own --timeout).
    const guard = setTimeout(() => demo.kill('SIGTERM'), 400_000);
    exitCode = await new Promise((resolve) => demo.once('exit', (code) => resolve(code)));
    clearTimeout(guard);
  });
  after(async () => {
    await nats?.dispose();
    const es = esClient();
    await deletePrefix(es, prefix).catch(() => undefined);
    await es.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts the five services, streams the clips, shows detections and tracks, and stops cleanly', () => {
    assert.equal(exitCode, 0, output.slice(-4000));
    assert.match(output, /All five services ready/);
    assert.match(output, /stream indoor-people: .*indoor-people_768x432\.mp4 at 5 fps/);
    assert.match(output, /stream parking-lot-cars: /);
    // The last summary block before the check line.
    const summaries = output.split('live summary').slice(1);
    const last = summaries.at(-1) ?? '';
    const totals = /frames \d+ read → \d+ detected → \d+ tracked · (\d+) detections · (\d+) tracks/.exec(last);
    assert.ok(totals, `a totals line in the last summary:\n${last}`);
    assert.ok(Number(totals[1]) > 0, `detections shown: ${totals[0]}`);
    assert.ok(Number(totals[2]) > 0, `tracks shown: ${totals[0]}`);
    assert.match(last, /indoor-people\s+running/);
    assert.match(last, /capture→detections p95 \d+ ms/);
    assert.match(output, /demo check passed: \d+ detections and \d+ tracks/);
    assert.match(
      output,
      /stopped: ingest ok, batching-inference ok, tracking ok, embedding-search ok, sanity-check ok/,
    );
  });

  it('runs every service and its live summary as their own NATS users, none refused anything', () => {
    assert.deepEqual(nats.permissionViolations(), []);
  });

  it('says where to look: metrics of every service, a search command, the tokens file', () => {
    for (const svc of ['ingest', 'batching-inference', 'tracking', 'embedding-search', 'sanity-check']) {
      assert.match(output, new RegExp(`${svc}\\s+http://127\\.0\\.0\\.1:\\d+/metrics`));
    }
    assert.match(output, /npm run search -- --similar-to/);
    assert.match(output, new RegExp(`curl -s '${esUrl().replace(/[.]/g, '\\.')}/${prefix}-track-events/_search`));
    const tokensFile = join(stateDir, 'demo-tokens.env');
    assert.equal(statSync(tokensFile).mode & 0o777, 0o600, 'tokens readable by the owner only');
    assert.match(
      readFileSync(tokensFile, 'utf8'),
      /^VA_VIEWER_TOKEN=viewer-[0-9a-f]{32}\nVA_OPERATOR_TOKEN=operator-[0-9a-f]{32}\nVA_ADMIN_TOKEN=admin-[0-9a-f]{32}\n$/,
    );
  });
});
