import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linearAssignment, solveAssignment } from './assignment.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function permutations(items: number[], k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  items.forEach((x, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)], k - 1)) out.push([x, ...rest]);
  });
  return out;
}

/** Every full assignment of min(n, m) pairs; the cheapest total. */
function bruteForceFull(cost: number[], n: number, m: number): number {
  let best = Infinity;
  if (n <= m) {
    for (const cols of permutations([...Array(m).keys()], n))
      best = Math.min(
        best,
        cols.reduce((s, c, r) => s + (cost[r * m + c] as number), 0),
      );
  } else {
    for (const rows of permutations([...Array(n).keys()], m))
      best = Math.min(
        best,
        rows.reduce((s, r, c) => s + (cost[r * m + c] as number), 0),
      );
  }
  return best;
}

/** Every partial matching using only pairs with cost <= t; the best sum of (t - cost). */
function bruteForceThresholded(cost: number[], n: number, m: number, t: number): number {
  let best = 0;
  const usedCols = new Set<number>();
  const walk = (row: number, gain: number) => {
    if (row === n) {
      best = Math.max(best, gain);
      return;
    }
    walk(row + 1, gain);
    for (let c = 0; c < m; c++) {
      const v = cost[row * m + c] as number;
      if (usedCols.has(c) || !(v <= t)) continue;
      usedCols.add(c);
      walk(row + 1, gain + t - v);
      usedCols.delete(c);
    }
  };
  walk(0, 0);
  return best;
}

describe('assignment', () => {
  it('solves a textbook 3x3 optimally', () => {
    const cost = [4, 1, 3, 2, 0, 5, 3, 2, 2];
    const rowToCol = solveAssignment(cost, 3, 3);
    assert.deepEqual([...rowToCol], [1, 0, 2]);
  });

  it('matches brute force on random square and rectangular matrices', () => {
    const rnd = random(7);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(rnd() * 5);
      const m = 1 + Math.floor(rnd() * 5);
      const cost = Array.from({ length: n * m }, () => Math.round(rnd() * 20) / 4 - 1);
      const rowToCol = solveAssignment(cost, n, m);
      const cols = [...rowToCol].filter((c) => c >= 0);
      assert.equal(cols.length, Math.min(n, m), 'every row or every column is assigned');
      assert.equal(new Set(cols).size, cols.length, 'no column twice');
      const total = [...rowToCol].reduce((s, c, r) => (c >= 0 ? s + (cost[r * m + c] as number) : s), 0);
      assert.ok(Math.abs(total - bruteForceFull(cost, n, m)) < 1e-9, `trial ${trial}: ${total} vs brute force`);
    }
  });

  it('thresholded matching is optimal against brute force and never pairs above the threshold', () => {
    const rnd = random(11);
    for (let trial = 0; trial < 300; trial++) {
      const n = Math.floor(rnd() * 6);
      const m = Math.floor(rnd() * 6);
      const t = 0.5 + rnd() * 0.4;
      const cost = Array.from({ length: n * m }, () => (rnd() < 0.1 ? Infinity : rnd()));
      const r = linearAssignment(cost, n, m, t);
      for (const [i, j] of r.matches) assert.ok((cost[i * m + j] as number) <= t);
      assert.equal(r.matches.length + r.unmatchedRows.length, n);
      assert.equal(r.matches.length + r.unmatchedCols.length, m);
      const gain = r.matches.reduce((s, [i, j]) => s + t - (cost[i * m + j] as number), 0);
      assert.ok(Math.abs(gain - bruteForceThresholded(cost, n, m, t)) < 1e-9, `trial ${trial}`);
    }
  });

  it('prefers the globally best pairing over a greedy one', () => {
    // Greedy would take (0,0)=0.1 and leave row 1 with only 0.95 (> threshold): one match.
    // Optimal takes (0,1)=0.2 and (1,0)=0.3: two matches.
    const r = linearAssignment([0.1, 0.2, 0.3, 0.95], 2, 2, 0.8);
    assert.deepEqual(r.matches, [
      [0, 1],
      [1, 0],
    ]);
  });

  it('handles empty sides and all-forbidden matrices', () => {
    assert.deepEqual(linearAssignment([], 0, 3, 0.5), { matches: [], unmatchedRows: [], unmatchedCols: [0, 1, 2] });
    assert.deepEqual(linearAssignment([], 2, 0, 0.5), { matches: [], unmatchedRows: [0, 1], unmatchedCols: [] });
    assert.deepEqual(linearAssignment([Infinity, NaN, 0.9, 1], 2, 2, 0.5), {
      matches: [],
      unmatchedRows: [0, 1],
      unmatchedCols: [0, 1],
    });
  });
});
