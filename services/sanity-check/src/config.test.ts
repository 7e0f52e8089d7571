import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@va/common';
import { Severity } from '@va/proto/va/common/v1/flag';
import { loadConfig, loadSanityConfig } from './config.js';
import { RULE_NAMES } from './rules/rule.js';

describe('sanity-check configuration', () => {
  it('has working defaults: every rule on, DESIGN.md latency objective, severities by rule', () => {
    const c = loadSanityConfig({});
    assert.deepEqual([...c.rules.enabled], [...RULE_NAMES]);
    assert.equal(c.rules.latencySlo.sloMs, 200);
    assert.equal(c.rules.latencySlo.quantile, 0.95);
    assert.equal(c.rules.drift.scoreThreshold, 0.25);
    assert.equal(c.rules.severities['frame-freeze'], Severity.SEVERITY_ACT_NOW);
    assert.equal(c.rules.severities['class-flip'], Severity.SEVERITY_REVIEW_WEEKLY);
    assert.equal(c.rules.severities['camera-fault'], Severity.SEVERITY_ACT_NOW);
    assert.deepEqual(c.rules.cameraFault, {
      baseline: { minFrames: 6, minMs: 2000, followRate: 0.02 },
      minFrames: 3,
      minMs: 1000,
    });
    assert.equal(c.rules.darkOrBlank.minFlatShare, 0.9);
    assert.equal(c.rules.frameFreeze.maxChangedShare, 0.05);
    assert.equal(c.rules.faultExplainsMs, 10_000);
  });

  it('refuses camera-fault settings out of bounds, naming the key', () => {
    for (const [key, value] of [
      ['VA_SANITY_SIGNAL_LOST_FLAT_SHARE', '0.2'],
      ['VA_SANITY_PICTURE_BASELINE_FRAMES', '1'],
      ['VA_SANITY_FREEZE_MAX_CHANGED_SHARE', '0.9'],
      ['VA_SANITY_PICTURE_FOLLOW_RATE', '2'],
    ] as const) {
      assert.throws(
        () => loadSanityConfig({ [key]: value }),
        (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.key === key),
        key,
      );
    }
  });

  it('reads switches, overrides and thresholds', () => {
    const c = loadSanityConfig({
      VA_SANITY_DISABLED_RULES: 'drift, class-flip',
      VA_SANITY_SEVERITY_OVERRIDES: 'latency-slo=1',
      VA_SANITY_VANISH_MIN_FRAMES: '25',
      VA_SANITY_DATA_DIR: '/var/lib/va',
    });
    assert.ok(
      !c.rules.enabled.has('drift') && !c.rules.enabled.has('class-flip') && c.rules.enabled.has('invalid-box'),
    );
    assert.equal(c.rules.severities['latency-slo'], Severity.SEVERITY_ACT_NOW);
    assert.equal(c.rules.trackWithoutDetection.minFrames, 25);
    assert.equal(c.dataDir, '/var/lib/va');
    assert.ok(
      loadSanityConfig({}).dataDir.startsWith('/'),
      'relative folders are resolved, so exports report absolute paths',
    );
  });

  it('lists every bad key at once, with the service pieces together', () => {
    const env = {
      VA_GRPC_AUTH: 'disabled',
      VA_SANITY_DRIFT_PSI_THRESHOLD: '-1',
      VA_SANITY_DISABLED_RULES: 'drift,nonsense',
      VA_SANITY_SEVERITY_OVERRIDES: 'drift=9',
      VA_SANITY_VANISH_MIN_LAST_SCORE: '1.5',
      VA_SANITY_FRAMES_ENABLED: 'maybe',
      VA_HTTP_PORT: 'x',
    };
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const keys = err.issues.map((i) => i.key).sort();
        assert.deepEqual(keys, [
          'VA_HTTP_PORT',
          'VA_SANITY_DISABLED_RULES',
          'VA_SANITY_DRIFT_PSI_THRESHOLD',
          'VA_SANITY_FRAMES_ENABLED',
          'VA_SANITY_SEVERITY_OVERRIDES',
          'VA_SANITY_VANISH_MIN_LAST_SCORE',
        ]);
        return true;
      },
    );
    assert.throws(
      () =>
        loadSanityConfig({
          VA_SANITY_DISABLED_RULES: 'drift,nonsense',
          VA_SANITY_SEVERITY_OVERRIDES: 'drift=9',
          VA_SANITY_DRIFT_WINDOW: '100',
          VA_SANITY_DRIFT_EVAL_EVERY: '500',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.issues.map((i) => i.key).sort(), [
          'VA_SANITY_DISABLED_RULES',
          'VA_SANITY_DRIFT_EVAL_EVERY',
          'VA_SANITY_SEVERITY_OVERRIDES',
        ]);
        return true;
      },
    );
  });
});
