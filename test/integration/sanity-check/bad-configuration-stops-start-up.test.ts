import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnService } from '@va/harness/service-process';

describe('sanity-check refuses a bad configuration at start-up', () => {
  it('exits 2 naming every bad key, before connecting to anything', async () => {
    const proc = spawnService('services/sanity-check/src/main.ts', {
      NATS_URL: 'nats://127.0.0.1:1',
      VA_GRPC_AUTH: 'disabled',
      VA_SANITY_DISABLED_RULES: 'drift,no-such-rule',
      VA_SANITY_DRIFT_PSI_THRESHOLD: '0',
      VA_SANITY_LATENCY_SLO_MS: 'fast',
      VA_SANITY_SEVERITY_OVERRIDES: 'frame-freeze=0',
    });
    assert.equal(await proc.exited, 2);
    const out = proc.output();
    for (const key of [
      'VA_SANITY_DISABLED_RULES',
      'VA_SANITY_DRIFT_PSI_THRESHOLD',
      'VA_SANITY_LATENCY_SLO_MS',
      'VA_SANITY_SEVERITY_OVERRIDES',
    ])
      assert.match(out, new RegExp(key));
    assert.match(out, /4 problems/);
    assert.doesNotMatch(out, /cannot connect to NATS/);
  });
});
