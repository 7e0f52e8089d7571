import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  initiate,
  predict,
  update,
  STD_WEIGHT_POSITION as WP,
  STD_WEIGHT_VELOCITY as WV,
  type KalmanState,
  type Xyah,
} from './kalman.js';

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} != ${expected}`);

describe('Kalman filter (ByteTrack xyah, constant velocity)', () => {
  it('initiates with zero velocity and height-scaled uncertainty', () => {
    const s = initiate([100, 200, 0.5, 100]);
    assert.deepEqual([...s.mean], [100, 200, 0.5, 100, 0, 0, 0, 0]);
    // std of x: 2 * 1/20 * 100 = 10; of vx: 10 * 1/160 * 100 = 6.25
    close(s.cov[0] as number, 100);
    close(s.cov[1] as number, 0);
    close(s.cov[2] as number, 39.0625);
    close(s.cov[3 * 2] as number, 1e-4); // aspect: fixed 1e-2
    close(s.cov[3 * 2 + 2] as number, 1e-10);
  });

  it('predict and update match values computed by hand', () => {
    const s = initiate([100, 200, 0.5, 100]);
    predict(s);
    // P = F P F' + Q: pp = 100 + 39.0625 + 5^2; pv = 39.0625; vv = 39.0625 + 0.625^2
    close(s.cov[0] as number, 164.0625);
    close(s.cov[1] as number, 39.0625);
    close(s.cov[2] as number, 39.453125);
    update(s, [110, 200, 0.5, 100]);
    // S = 164.0625 + 5^2; K = [164.0625, 39.0625] / S; innovation 10
    const S = 189.0625;
    close(s.mean[0] as number, 100 + (164.0625 / S) * 10);
    close(s.mean[4] as number, (39.0625 / S) * 10);
    close(s.mean[1] as number, 200);
    close(s.cov[0] as number, (164.0625 * 25) / S);
    close(s.cov[1] as number, (39.0625 * 25) / S);
    close(s.cov[2] as number, 39.453125 - 39.0625 ** 2 / S);
    assert.ok(Math.abs((s.mean[0] as number) - 108.67768595) < 1e-6);
  });

  it('follows a constant-velocity object and learns its speed', () => {
    const s = initiate([0, 0, 0.5, 100]);
    for (let k = 1; k <= 40; k++) {
      predict(s);
      update(s, [3 * k, -2 * k, 0.5, 100]);
    }
    close(s.mean[4] as number, 3, 1e-2);
    close(s.mean[5] as number, -2, 1e-2);
    predict(s);
    close(s.mean[0] as number, 123, 1e-2);
  });

  it('equals the dense 8x8 filter of ByteTrack over a sequence of predicts and updates', () => {
    const compact = initiate([320, 240, 0.41, 120]);
    const dense = denseInitiate([320, 240, 0.41, 120]);
    const measurements: Xyah[] = [
      [324, 238, 0.42, 121],
      [329, 236, 0.4, 119],
      [333, 233, 0.41, 123],
    ];
    for (const z of measurements) {
      predict(compact);
      densePredict(dense);
      update(compact, z);
      denseUpdate(dense, z);
      assertSameState(compact, dense);
    }
    predict(compact);
    predict(compact);
    densePredict(dense);
    densePredict(dense);
    assertSameState(compact, dense);
  });
});

// The dense reference: ByteTrack's KalmanFilter transcribed with plain 8x8 matrices.
type M = number[][];
interface Dense {
  mean: number[];
  cov: M;
}
const zeros = (r: number, c: number): M => Array.from({ length: r }, () => new Array<number>(c).fill(0));
const mul = (a: M, b: M): M =>
  a.map((row) =>
    (b[0] as number[]).map((_, j) => row.reduce((s, v, k) => s + v * ((b[k] as number[])[j] as number), 0)),
  );
const tr = (a: M): M => (a[0] as number[]).map((_, j) => a.map((row) => row[j] as number));
const add = (a: M, b: M): M => a.map((row, i) => row.map((v, j) => v + ((b[i] as number[])[j] as number)));
const sub = (a: M, b: M): M => a.map((row, i) => row.map((v, j) => v - ((b[i] as number[])[j] as number)));
const diag = (v: number[]): M => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
const F: M = diag([1, 1, 1, 1, 1, 1, 1, 1]).map((row, i) => row.map((v, j) => (j === i + 4 ? 1 : v)));
const H: M = zeros(4, 8).map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));

function inv4(a: M): M {
  // Gauss-Jordan on a 4x4.
  const n = 4;
  const m = a.map((row, i) => [...row, ...diag([1, 1, 1, 1])[i]!]);
  for (let c = 0; c < n; c++) {
    const pivot = m[c]![c]!;
    for (let j = 0; j < 2 * n; j++) m[c]![j]! /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      for (let j = 0; j < 2 * n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((row) => row.slice(n));
}

function denseInitiate(z: Xyah): Dense {
  const h = z[3];
  const std = [2 * WP * h, 2 * WP * h, 1e-2, 2 * WP * h, 10 * WV * h, 10 * WV * h, 1e-5, 10 * WV * h];
  return { mean: [...z, 0, 0, 0, 0], cov: diag(std.map((s) => s * s)) };
}
function densePredict(s: Dense): void {
  const h = s.mean[3] as number;
  const std = [WP * h, WP * h, 1e-2, WP * h, WV * h, WV * h, 1e-5, WV * h];
  s.mean = mul(
    F,
    s.mean.map((v) => [v]),
  ).map((r) => r[0] as number);
  s.cov = add(mul(mul(F, s.cov), tr(F)), diag(std.map((x) => x * x)));
}
function denseUpdate(s: Dense, z: Xyah): void {
  const h = s.mean[3] as number;
  const R = diag([WP * h, WP * h, 1e-1, WP * h].map((x) => x * x));
  const S = add(mul(mul(H, s.cov), tr(H)), R);
  const K = mul(mul(s.cov, tr(H)), inv4(S));
  const innovation = z.map((v, i) => [v - (s.mean[i] as number)]);
  s.mean = s.mean.map((v, i) => v + (mul(K, innovation)[i]![0] as number));
  s.cov = sub(s.cov, mul(mul(K, S), tr(K)));
}
function assertSameState(c: KalmanState, d: Dense): void {
  for (let i = 0; i < 8; i++) close(c.mean[i] as number, d.mean[i] as number, 1e-9);
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 8; j++) {
      const dim = i % 4;
      const expected = d.cov[i]![j]!;
      let actual = 0;
      if (j % 4 === dim) {
        const b = 3 * dim;
        actual = i < 4 && j < 4 ? c.cov[b]! : i >= 4 && j >= 4 ? c.cov[b + 2]! : c.cov[b + 1]!;
      }
      close(actual, expected, 1e-9);
    }
  }
}
