import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { track, update } from '../test-support/messages.js';
import { ClassFlipRule } from './class-flip.js';

const options = { windowFrames: 20, minFlips: 3, minScore: 0.4 };
const classes = (names: string[], score = 0.8) =>
  names.map((n, s) =>
    update(s, [track('4', [10, 10, 50, 100], { className: n, classId: n === 'person' ? 0 : 2, score })]),
  );

describe('class-flip', () => {
  it('flags a track whose class keeps changing within the window', () => {
    const rule = new ClassFlipRule(options);
    const found = classes(['person', 'person', 'car', 'car', 'person', 'car', 'car']).flatMap((u) => rule.onTracks(u));
    assert.equal(found.length, 1);
    assert.equal(found[0]!.trackId, '4');
    assert.equal(found[0]!.evidence.flips, 3);
    assert.match(found[0]!.message, /person -> car -> person -> car/);
  });

  it('accepts a single re-classification, unsure observations and flips spread beyond the window', () => {
    assert.equal(
      classes(['person', 'person', 'car', 'car', 'car', 'car']).flatMap((u) => new ClassFlipRule(options).onTracks(u))
        .length,
      0,
    );
    assert.equal(
      classes(['person', 'car', 'person', 'car', 'person'], 0.2).flatMap((u) => new ClassFlipRule(options).onTracks(u))
        .length,
      0,
    );
    const rule = new ClassFlipRule({ ...options, windowFrames: 5 });
    const slow = [
      'person',
      'person',
      'person',
      'person',
      'car',
      'car',
      'car',
      'car',
      'person',
      'person',
      'person',
      'person',
      'car',
    ];
    assert.equal(classes(slow).flatMap((u) => rule.onTracks(u)).length, 0);
  });
});
