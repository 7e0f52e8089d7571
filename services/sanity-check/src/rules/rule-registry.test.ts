import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Severity } from '@va/proto/va/common/v1/flag';
import { loadSanityConfig } from '../config.js';
import { batch, det, stats, track, update } from '../test-support/messages.js';
import { RuleRegistry } from './rule-registry.js';

const DARK_AFTER_3 = { VA_SANITY_DARK_MIN_FRAMES: '3', VA_SANITY_DARK_MIN_MS: '0' };
const config = () => loadSanityConfig(DARK_AFTER_3).rules;
const dark = (s: number, o: { camera?: string; epoch?: string } = {}) =>
  batch(s, [], { ...o, stats: stats(s + 1, 3, 1) });

describe('rule registry', () => {
  it('runs enabled rules with their configured severity', () => {
    const registry = new RuleRegistry(config(), 10);
    const found = [0, 1, 2].flatMap((s) => registry.onDetections(dark(s)));
    assert.equal(found.length, 1);
    assert.equal(found[0]!.rule, 'dark-or-blank-frame');
    assert.equal(found[0]!.severity, Severity.SEVERITY_ACT_NOW);
    const overridden = loadSanityConfig({
      ...DARK_AFTER_3,
      VA_SANITY_SEVERITY_OVERRIDES: 'dark-or-blank-frame=3',
    }).rules;
    const quieter = new RuleRegistry(overridden, 10);
    assert.equal([0, 1, 2].flatMap((s) => quieter.onDetections(dark(s)))[0]?.severity, Severity.SEVERITY_REVIEW_WEEKLY);
  });

  it('does not run disabled rules', () => {
    const registry = new RuleRegistry(
      loadSanityConfig({ ...DARK_AFTER_3, VA_SANITY_DISABLED_RULES: 'dark-or-blank-frame,drift' }).rules,
      10,
    );
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
    assert.equal(
      registry.onDetections(dark(1)).length + registry.onDetections(dark(2)).length,
      1,
      'the dark rule still counted the broken frame',
    );
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

describe('rule registry and frames the detection schedule skipped', () => {
  it('gives skipped batches and predicted updates only to the rules that judge undetected frames', () => {
    const registry = new RuleRegistry(loadSanityConfig({}).rules, 10);
    const found = [];
    const people: Array<[number, number, number, number]> = [
      [100, 100, 160, 260],
      [400, 120, 460, 280],
    ];
    for (let s = 0; s < 300; s++) {
      const since = s % 3;
      const frameStats = stats(((s + 1) * 2_654_435_761) % 2 ** 48, 100 + (s % 7) * 5, 40 + (s % 5) * 4); // a live picture
      if (since === 0) {
        found.push(
          ...registry.onDetections(
            batch(
              s,
              people.map((p) => det(p, 0.9)),
              { stats: frameStats },
            ),
          ),
        );
        found.push(
          ...registry.onTracks(
            update(
              s,
              people.map((p, i) => track(String(i), p, { detectionIndex: i })),
            ),
            undefined,
          ),
        );
      } else {
        found.push(...registry.onDetections({ ...batch(s, [], { stats: frameStats }), skipped: true }));
        const tracks = people.map((p, i) => track(String(i), p, { detectionIndex: -1, framesSinceUpdate: since }));
        found.push(...registry.onTracks({ ...update(s, tracks), predicted: true }, undefined));
      }
    }
    assert.deepEqual(
      found.map((f) => `${f.rule}@${f.sequence}: ${f.message}`),
      [],
    );
  });

  it('counts only detected frames in per-frame windows, so a schedule neither dilutes nor blinds the low-confidence spike', () => {
    // Defaults: windows of 50 frames need 30 detections. One person per detected frame, every 3rd frame
    // detected: counted over all frames a window holds 17 detections and says nothing.
    const registry = new RuleRegistry(loadSanityConfig({}).rules, 10);
    const found = [];
    for (let s = 0; s < 900; s++) {
      if (s % 3 !== 0) {
        found.push(...registry.onDetections({ ...batch(s, []), skipped: true }));
        continue;
      }
      found.push(...registry.onDetections(batch(s, [det([100, 100, 160, 260], s < 450 ? 0.9 : 0.3)])));
    }
    assert.deepEqual(
      found.map((f) => f.rule),
      ['low-confidence-spike'],
      'the scores dropping by two thirds is a spike',
    );
  });

  it('still judges the frame statistics of skipped frames (a dark camera is dark whether detected or not)', () => {
    const registry = new RuleRegistry(config(), 10);
    const found = [0, 1, 2].flatMap((s) => registry.onDetections({ ...dark(s), skipped: true }));
    assert.deepEqual(
      found.map((f) => f.rule),
      ['dark-or-blank-frame'],
    );
  });
});

describe('rule registry: one fault, one flag', () => {
  it('reports a black camera once, as dark, not also as frozen, and the tracks it lost not as missed detections', () => {
    const explained: string[] = [];
    const registry = new RuleRegistry(loadSanityConfig({}).rules, 10, {
      onExplained: (rule, _camera, by) => explained.push(`${rule} by ${by}`),
    });
    const person: [number, number, number, number] = [300, 100, 360, 260];
    const found = [];
    for (let s = 0; s < 80; s++) {
      const black = s >= 20;
      const frameStats = black ? stats(77, 0, 0.5) : stats(s + 1, 110 + (s % 5), 45);
      const detections = black ? [] : [det(person, 0.9)];
      found.push(...registry.onDetections(batch(s, detections, { stats: frameStats })));
      const t = track('1', person, { detectionIndex: black ? -1 : 0, framesSinceUpdate: black ? s - 19 : 0 });
      found.push(...registry.onTracks(update(s, [t]), batch(s, detections)));
    }
    assert.deepEqual(
      found.map((f) => `${f.rule}/${f.subject}`),
      ['dark-or-blank-frame/dark'],
      found.map((f) => f.message).join('\n'),
    );
    assert.ok(explained.includes('track-without-detection by dark-or-blank-frame'), explained.join(', '));
    assert.ok(explained.includes('frame-freeze by dark-or-blank-frame'), explained.join(', '));
  });

  it('gives kinds of camera fault that degrade the picture one severity step below the rule', () => {
    const rules = loadSanityConfig({ VA_SANITY_SEVERITY_OVERRIDES: 'camera-fault=2' }).rules;
    const registry = new RuleRegistry(rules, 10);
    const health = (sharpness: number) => ({
      ...stats(0, 110, 45),
      regionLuma: Array(16).fill(110),
      regionContrast: Array(16).fill(45),
      sharpness,
      noise: 3,
      flatShare: 0.3,
      meanRed: 120,
      meanGreen: 110,
      meanBlue: 100,
    });
    const found = [];
    for (let s = 0; s < 40; s++) {
      const thumb = Uint8Array.from({ length: 1024 }, (_, i) => (i * 37 + s) % 251);
      found.push(
        ...registry.onDetections(
          batch(s, [], { stats: { ...health(s < 20 ? 300 : 5), thumbHash: s + 1, greyThumb: thumb } }),
        ),
      );
    }
    assert.deepEqual(
      found.map((f) => `${f.rule}/${f.subject}/${f.severity}`),
      ['camera-fault/blur/3'],
    );
  });
});
