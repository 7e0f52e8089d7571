import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@va/common';
import { validateZoneConfig } from './zone-validation.js';

const tri = [
  { x: 0, y: 0 },
  { x: 100, y: 0 },
  { x: 0, y: 100 },
];

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError);
    return err.message;
  }
  assert.fail('expected InvalidArgumentError');
}

describe('zone validation', () => {
  it('accepts a valid configuration', () => {
    const c = validateZoneConfig(
      'cam-1',
      [{ zoneId: 'a', polygon: tri, classes: ['person'] }],
      [{ lineId: 'l', a: { x: 0, y: 0 }, b: { x: 1, y: 1 }, classes: [] }],
    );
    assert.equal(c.zones.length, 1);
    assert.equal(c.lines.length, 1);
  });

  it('rejects and names every problem', () => {
    const message = problemsOf(() =>
      validateZoneConfig(
        'cam 1',
        [
          { zoneId: 'a', polygon: tri.slice(0, 2), classes: [] },
          { zoneId: 'a', polygon: [...tri.slice(0, 2), { x: NaN, y: 0 }], classes: [''] },
          {
            zoneId: 'flat',
            polygon: [
              { x: 0, y: 0 },
              { x: 1, y: 1 },
              { x: 2, y: 2 },
            ],
            classes: [],
          },
          { zoneId: 'big', polygon: [...tri.slice(0, 2), { x: 1e9, y: 0 }], classes: [] },
        ],
        [
          { lineId: 'l', a: { x: 5, y: 5 }, b: { x: 5, y: 5 }, classes: [] },
          { lineId: 'm', a: undefined, b: { x: Infinity, y: 0 }, classes: [] },
        ],
      ),
    );
    for (const expected of [
      'camera_id',
      'zones[0].polygon needs at least 3 points',
      'zones[1].zone_id "a" is used twice',
      'zones[1].polygon[2].x must be a finite number',
      'zones[1].classes[0]',
      'zones[2].polygon has no area',
      'zones[3].polygon[2].x',
      'lines[0]: a and b must differ',
      'lines[1].a is missing',
      'lines[1].b.x',
    ]) {
      assert.ok(message.includes(expected), `missing "${expected}" in: ${message}`);
    }
  });

  it('bounds the counts', () => {
    const zones = Array.from({ length: 65 }, (_, i) => ({ zoneId: `z${i}`, polygon: tri, classes: [] }));
    assert.match(
      problemsOf(() => validateZoneConfig('cam', zones, [])),
      /at most 64 zones/,
    );
    const many = Array.from({ length: 300 }, (_, i) => ({ x: Math.cos(i), y: Math.sin(i) }));
    assert.match(
      problemsOf(() => validateZoneConfig('cam', [{ zoneId: 'z', polygon: many, classes: [] }], [])),
      /at most 256 points/,
    );
  });
});
