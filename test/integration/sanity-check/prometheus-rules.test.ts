import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promtool } from '../../helpers/promtool.js';

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
