import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promtool } from '../../helpers/promtool.js';

describe('JetStream Prometheus alert rules (promtool)', () => {
  it('are valid rule files', () => {
    const { code, output } = promtool('check', 'rules', join('deploy', 'prometheus', 'rules', 'jetstream.rules.yml'));
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS: 4 rules found/);
  });

  it('page at 80 % stream usage and on refused publishes, open a ticket on dead letters, and stay quiet otherwise', () => {
    const { code, output } = promtool(
      'test',
      'rules',
      join('deploy', 'prometheus', 'tests', 'jetstream.rules.test.yml'),
    );
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS/);
  });
});
