import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promtool } from '../../helpers/promtool.js';
import { REPO_ROOT } from '@va/harness/shared';

const RULES = join('deploy', 'prometheus', 'rules', 'slo.rules.yml');
const TESTS = join('deploy', 'prometheus', 'tests', 'slo.rules.test.yml');
const EXPECTED_ALERTS = [
  'VaServiceDown',
  'VaInferenceSlow',
  'VaCaptureToTracksSlow',
  'VaErrorRatioHigh',
  'VaFramesDropped',
  'VaConsumerLagHigh',
  'VaGpuMemoryHigh',
];

describe('SLO recording rules and alerts (promtool)', () => {
  it('are valid rule files with an alert for every objective of DESIGN.md', () => {
    const { code, output } = promtool('check', 'rules', RULES);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS: 15 rules found/);
    const alerts = [...readFileSync(join(REPO_ROOT, RULES), 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    assert.deepEqual(alerts.sort(), [...EXPECTED_ALERTS].sort());
  });

  it('fire on a down service, slow inference, slow capture to tracks, errors, shedding, lag and a full GPU; stay quiet below the objectives and on short spikes', () => {
    const { code, output } = promtool('test', 'rules', TESTS);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS/);
  });

  it('every alert has a case where it fires and one where it stays quiet', () => {
    const tests = readFileSync(join(REPO_ROOT, TESTS), 'utf8');
    for (const alert of EXPECTED_ALERTS) {
      const cases = [...tests.matchAll(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:( \\[\\])?`, 'g'))];
      assert.ok(
        cases.some((c) => c[1] === undefined),
        `${alert}: no case where it fires`,
      );
      assert.ok(
        cases.some((c) => c[1] !== undefined),
        `${alert}: no case where it stays quiet`,
      );
    }
  });
});
