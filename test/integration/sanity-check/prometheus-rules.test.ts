import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../helpers/shared.js';

function promtool(...args: string[]) {
  const result = spawnSync('promtool', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.error) throw new Error(`promtool not runnable (${result.error.message}); install it with: sudo apt-get install -y prometheus`);
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('sanity-check Prometheus alert rules (promtool)', () => {
  it('are valid rule files', () => {
    const { code, output } = promtool('check', 'rules', join('deploy', 'prometheus', 'rules', 'sanity.rules.yml'));
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS: 3 rules found/);
  });

  it('page on a severity-1 flag, open a ticket on lasting drift, and stay quiet otherwise', () => {
    const { code, output } = promtool('test', 'rules', join('deploy', 'prometheus', 'tests', 'sanity.rules.test.yml'));
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS/);
  });
});
