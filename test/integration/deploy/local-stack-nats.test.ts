import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'nats';
import { BUS_IDENTITIES, inboxPrefix, STREAMS } from '@va/common';
import { natsClientAuth } from '@va/harness/pipeline/nats-credentials';
import { freePort } from '@va/harness/ports';
import { REPO_ROOT } from '@va/harness/shared';

// `npm run stack:up` for NATS alone, in a scratch folder on free ports: what it generates and
// what the server it starts accepts.
describe('local stack: NATS with users (deploy/local/stack.sh up nats)', () => {
  const stack = mkdtempSync(join(tmpdir(), 'va-stack-'));
  let env: NodeJS.ProcessEnv;
  let url: string;
  const stackSh = (cmd: string) =>
    spawnSync('bash', [join(REPO_ROOT, 'deploy/local/stack.sh'), cmd, 'nats'], {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
    });

  before(async () => {
    const port = await freePort();
    env = {
      ...process.env,
      VA_STACK_DIR: stack,
      VA_NATS_PORT: String(port),
      VA_NATS_MONITOR_PORT: String(await freePort()),
    };
    url = `nats://127.0.0.1:${port}`;
    const up = stackSh('up');
    assert.equal(up.status, 0, up.stdout + up.stderr);
  });
  after(() => {
    stackSh('down');
    rmSync(stack, { recursive: true, force: true });
  });

  it('writes one password per user, owner-only, and says where they are', () => {
    const dir = join(stack, 'nats');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const file of readdirSync(dir)) assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, file);
    assert.deepEqual(
      readdirSync(dir)
        .filter((f) => f.endsWith('.password'))
        .sort(),
      BUS_IDENTITIES.map((id) => `${id}.password`).sort(),
    );
    assert.match(readFileSync(join(stack, 'env'), 'utf8'), new RegExp(`export VA_NATS_CREDENTIALS_DIR=${dir}\\n`));
    // Nothing secret in what it printed or logged.
    const password = readFileSync(join(dir, 'admin.password'), 'utf8').trim();
    for (const log of readdirSync(join(stack, 'logs')))
      assert.ok(!readFileSync(join(stack, 'logs', log), 'utf8').includes(password), log);
  });

  it('refuses anonymous clients; a service user connects, finds the streams the admin provisioned, and may not publish downstream', async () => {
    await assert.rejects(
      connect({ servers: url, reconnect: false }),
      (err: { code?: string }) => err.code === 'AUTHORIZATION_VIOLATION',
    );
    const nc = await connect({
      servers: url,
      ...natsClientAuth(join(stack, 'nats'), 'ingest'),
      inboxPrefix: inboxPrefix('ingest'),
      reconnect: false,
    });
    try {
      const admin = await connect({ servers: url, ...natsClientAuth(join(stack, 'nats'), 'admin'), reconnect: false });
      const names: string[] = [];
      for await (const name of (await admin.jetstreamManager()).streams.names()) names.push(name);
      await admin.close();
      assert.deepEqual(
        names.sort(),
        Object.values(STREAMS)
          .map((s) => s.name)
          .sort(),
      );
      await assert.rejects(
        nc.request('va.detections.cam-1', new Uint8Array(1), { timeout: 3_000 }),
        (err: { code?: string }) => err.code === 'PERMISSIONS_VIOLATION',
      );
    } finally {
      await nc.close();
    }
  });
});
