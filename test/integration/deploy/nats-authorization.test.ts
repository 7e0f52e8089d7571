import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connect } from 'nats';
import { BUS_IDENTITIES, passwordEnvName } from '@va/common';
import { NATS_AUTHORIZATION_FILES, renderDeployAuthorization } from '../../../deploy/local/nats-authorization-files.js';
import { freePort, waitFor } from '@va/harness/ports';
import { REPO_ROOT } from '@va/harness/shared';

describe('committed NATS authorization of Compose and Kubernetes', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'va-nats-auth-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const file of NATS_AUTHORIZATION_FILES) {
    it(`${file} is current (regenerate: node --conditions=source --import tsx deploy/local/nats-authorization-files.ts)`, () => {
      assert.equal(readFileSync(join(REPO_ROOT, file), 'utf8'), renderDeployAuthorization());
    });
  }

  it('nats-server loads it with the passwords from its environment and refuses anonymous clients', async () => {
    const port = await freePort();
    const monitor = await freePort();
    writeFileSync(join(scratch, 'nats-authorization.conf'), renderDeployAuthorization());
    writeFileSync(
      join(scratch, 'nats.conf'),
      `listen: 127.0.0.1:${port}\nhttp: 127.0.0.1:${monitor}\ninclude "nats-authorization.conf"\n`,
    );
    const env = Object.fromEntries(BUS_IDENTITIES.map((id) => [passwordEnvName(id), `pw-${id}-0123456789abcdef`]));
    const proc = spawn('nats-server', ['-c', join(scratch, 'nats.conf')], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${monitor}/healthz`).catch(() => undefined))?.ok === true,
        { timeoutMs: 15_000, what: 'nats-server' },
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${stderr}`);
      });
      const nc = await connect({
        servers: `127.0.0.1:${port}`,
        user: 'tracking',
        pass: 'pw-tracking-0123456789abcdef',
        reconnect: false,
      });
      await nc.close();
      await assert.rejects(
        connect({ servers: `127.0.0.1:${port}`, reconnect: false }),
        (err: { code?: string }) => err.code === 'AUTHORIZATION_VIOLATION',
      );
    } finally {
      proc.kill('SIGTERM');
    }
  });
});
