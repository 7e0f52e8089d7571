import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Severity } from '@va/common/gen/va/common/v1/flag';
import { loadSanityConfig } from '../config.js';
import { batch, det, stats, track, update } from '../test-support/messages.js';
import { RuleRegistry } from './rule-registry.js';

const DARK_AFTER_3 = { VA_SANITY_DARK_MIN_FRAMES: '3', VA_SANITY_DARK_MIN_MS: '0' };
const config = () => loadSanityConfig(DARK_AFTER_3).rules;
const dark = (s: number, o: { camera?: string; epoch?: string } = {}) => batch(s, [], { ...o, stats: stats(s + 1, 3, 1) });

describe('rule registry', () => {
  it('runs enabled rules with their configured severity', () => {
    const registry = new RuleRegistry(config(), 10);
    const found = [0, 1, 2].flatMap((s) => registry.onDetections(dark(s)));
    assert.equal(found.length, 1);
    assert.equal(found[0]!.rule, 'dark-or-blank-frame');
    assert.equal(found[0]!.severity, Severity.SEVERITY_ACT_NOW);
    const overridden = loadSanityConfig({ ...DARK_AFTER_3, VA_SANITY_SEVERITY_OVERRIDES: 'dark-or-blank-frame=3' }).rules;
    const quieter = new RuleRegistry(overridden, 10);
    assert.equal([0, 1, 2].flatMap((s) => quieter.onDetections(dark(s)))[0]?.severity, Severity.SEVERITY_REVIEW_WEEKLY);
  });

  it('does not run disabled rules', () => {
    const registry = new RuleRegistry(loadSanityConfig({ ...DARK_AFTER_3, VA_SANITY_DISABLED_RULES: 'dark-or-blank-frame,drift' }).rules, 10);
    assert.ok(!registry.enabledRules.includes('dark-or-blank-frame'));
    assert.equal([0, 1, 2, 3].flatMap((s) => registry.onDetections(dark(s))).length, 0);
  });

  it('skips redelivered messages so no rule counts a frame twice, and resets on a new stream epoch', () => {
    const duplicates: string[] = [];
    const registry = new RuleRegistry(config(), 10, { onDuplicate: (kind) => duplicates.push(kind) });
    registry.onDetections(dark(0));
    assert.equal(registry.onDetections(dark(0)).length, 0);
    assert.equal(registry.onTracks(update(0, []), undefined).length, 0);
    assert.equal(registry.onTracks(update(0, []), undefined).length, 0);
    assert.deepEqual(duplicates, ['detections', 'tracks']);
    // Sequence numbers restart with a new epoch: not duplicates, and the dark run starts over.
    assert.equal(registry.onDetections(dark(0, { epoch: 'e2' })).length, 0);
    assert.equal(registry.onDetections(dark(1, { epoch: 'e2' })).length, 0);
    assert.equal(registry.onDetections(dark(2, { epoch: 'e2' })).length, 1);
    assert.deepEqual(duplicates, ['detections', 'tracks']);
  });

  it('keeps a throwing rule from stopping the others', () => {
    const errors: string[] = [];
    const registry = new RuleRegistry(config(), 10, { onRuleError: (rule) => errors.push(rule) });
    // A track whose box is missing entirely makes no rule throw; a detection list with a hole does.
    const broken = dark(0);
    broken.detections = [det([0, 0, 10, 10]), undefined as never];
    assert.equal(registry.onDetections(broken).length, 0);
    assert.ok(errors.length > 0, 'some rule tripped over the hole');
    assert.equal(registry.onDetections(dark(1)).length + registry.onDetections(dark(2)).length, 1, 'the dark rule still counted the broken frame');
  });

  it('keeps state for at most maxCameras cameras, dropping the quietest', () => {
    const evicted: string[] = [];
    const registry = new RuleRegistry(config(), 2, { onCameraEvicted: (c) => evicted.push(c) });
    registry.onDetections(dark(0, { camera: 'a' }));
    registry.onDetections(dark(0, { camera: 'b' }));
    registry.onDetections(dark(1, { camera: 'a' }));
    registry.onDetections(dark(0, { camera: 'c' }));
    assert.deepEqual(evicted, ['b']);
    registry.onTracks(update(5, [track('1', [0, 0, 10, 10])], { camera: 'a' }), undefined);
    assert.deepEqual(evicted, ['b']);
  });
});
