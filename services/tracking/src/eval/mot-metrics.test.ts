import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prepareSequence } from './ground-truth.js';
import { formatMot, parseMot, type MotRow } from './mot-file.js';
import { evaluateSequence, evaluateSequences } from './mot-metrics.js';

const A = { x: 0, y: 0, w: 10, h: 20 };
const B = { x: 100, y: 0, w: 10, h: 20 };
const FAR = { x: 500, y: 500, w: 10, h: 20 };
const row = (
  frame: number,
  id: number,
  box: { x: number; y: number; w: number; h: number },
  extra: Partial<MotRow> = {},
): MotRow => ({ frame, id, ...box, conf: 1, col8: -1, col9: -1, ...extra });

describe('MOT metrics', () => {
  // Objects 1 and 2; tracker ids 10, 20, 30. Frame 3 swaps the ids, frame 4 misses object 1.
  const gt = [
    row(1, 1, A),
    row(1, 2, B),
    row(2, 1, A),
    row(2, 2, B),
    row(3, 1, A),
    row(3, 2, B),
    row(4, 1, A),
    row(5, 1, A),
  ];
  const hyp = [
    row(1, 10, A),
    row(1, 20, B),
    row(2, 10, A),
    row(2, 30, FAR),
    row(3, 20, A),
    row(3, 10, B),
    row(5, 20, A),
  ];

  it('counts matches, misses, false positives, switches and fragmentations as computed by hand', () => {
    const m = evaluateSequence(gt, hyp);
    assert.deepEqual(
      [m.numObjects, m.numPredictions, m.matches, m.misses, m.falsePositives, m.idSwitches, m.fragmentations, m.frames],
      [8, 7, 6, 2, 1, 2, 2, 5],
    );
    assert.equal(m.mota, 1 - 5 / 8);
    assert.equal(m.motp, 1);
  });

  it('identity measures use the best one-to-one id mapping over the whole sequence', () => {
    const m = evaluateSequence(gt, hyp);
    // Best mapping: 1->10 (frames 1, 2) and 2->20 (frame 1), or 1->20 and 2->10: 3 frames either way.
    assert.equal(m.idtp, 3);
    assert.equal(m.idf1, 6 / 15);
    assert.equal(m.idp, 3 / 7);
    assert.equal(m.idr, 3 / 8);
  });

  it('keeps a correspondence while IoU stays >= 0.5 even when another tracker box fits better', () => {
    const shifted = { ...A, x: 4 }; // IoU with A: 6*20 / (14*20) = 0.43: not a match
    const slightly = { ...A, x: 2 }; // IoU 8/12 = 0.67: a match
    const m = evaluateSequence(
      [row(1, 1, A), row(2, 1, A)],
      [row(1, 10, A), row(2, 10, slightly), row(2, 11, A), row(3, 12, shifted)],
    );
    assert.equal(m.idSwitches, 0, 'tracker 10 keeps object 1');
    assert.equal(m.falsePositives, 2);
    assert.ok(Math.abs(m.motp - (1 + 8 / 12) / 2) < 1e-12);
  });

  it('overall sums the counts of sequences before taking ratios', () => {
    const one = evaluateSequence(gt, hyp);
    const both = evaluateSequences([
      { gt, hyp },
      { gt, hyp },
    ]);
    assert.equal(both.numObjects, 2 * one.numObjects);
    assert.equal(both.idSwitches, 2 * one.idSwitches);
    assert.equal(both.mota, one.mota);
    assert.equal(both.idf1, one.idf1);
  });

  it('mot15 ground truth drops conf-0 rows; mot16 evaluates pedestrians only and forgives distractors', () => {
    const g = [row(1, 1, A, { conf: 0 }), row(1, 2, B)];
    assert.deepEqual(
      prepareSequence(g, [], 'mot15').gt.map((r) => r.id),
      [2],
    );
    const g16 = [
      row(1, 1, A, { col8: 1, col9: 1 }),
      row(1, 2, B, { conf: 0, col8: 7, col9: 1 }),
      row(1, 3, FAR, { col8: 3, col9: 1 }),
    ];
    const h16 = [row(1, 10, A), row(1, 11, B), row(1, 12, FAR)];
    const p = prepareSequence(g16, h16, 'mot16');
    assert.deepEqual(
      p.gt.map((r) => r.id),
      [1],
    );
    assert.deepEqual(
      p.hyp.map((r) => r.id),
      [10, 12],
      'the box on the static person is removed; the car box is still a false positive',
    );
    assert.equal(p.removedHypotheses, 1);
  });

  it('mot15-dontcare forgives boxes on conf-0 people and still counts other false positives', () => {
    const g = [row(1, 1, A, { conf: 0 }), row(1, 2, B)];
    const h = [row(1, 10, A), row(1, 11, B), row(1, 12, FAR)];
    const p = prepareSequence(g, h, 'mot15-dontcare');
    assert.deepEqual(
      p.gt.map((r) => r.id),
      [2],
    );
    assert.deepEqual(
      p.hyp.map((r) => r.id),
      [11, 12],
    );
    assert.equal(p.removedHypotheses, 1);
    assert.deepEqual(
      prepareSequence(g, h, 'mot15').hyp.map((r) => r.id),
      [10, 11, 12],
      'the official protocol counts the box on the conf-0 person',
    );
  });

  it('parses and writes MOTChallenge text, naming bad lines', () => {
    const rows = parseMot('1,9,499,158,31.03,75.17,1,-4.1,-7.3,0\n\n2,9,497,158,31,75,0\n');
    assert.deepEqual(
      rows.map((r) => [r.frame, r.id, r.x, r.w, r.conf]),
      [
        [1, 9, 499, 31.03, 1],
        [2, 9, 497, 31, 0],
      ],
    );
    assert.throws(() => parseMot('1,2,3\n', 'gt.txt'), /gt\.txt:1/);
    assert.equal(formatMot([{ frame: 1, id: 3, x: 1.23456, y: 2, w: 3, h: 4 }]), '1,3,1.235,2,3,4,1,-1,-1,-1\n');
  });
});
