/**
 * The constant-velocity Kalman filter of SORT/ByteTrack on (cx, cy, a, h): box centre, aspect
 * ratio w/h and height, each with a velocity. Noise scales with the box height as in ByteTrack
 * (std_weight_position 1/20, std_weight_velocity 1/160), so a near, tall person may move more
 * pixels per frame than a far, small one.
 *
 * With ByteTrack's diagonal process and measurement noise, the 8x8 covariance never couples
 * different coordinates: it stays four independent 2x2 blocks (position_i, velocity_i). We keep
 * only those blocks, which is exactly the dense filter (a unit test checks it against the 8x8
 * matrices) at a fraction of the cost.
 */

export const STD_WEIGHT_POSITION = 1 / 20;
export const STD_WEIGHT_VELOCITY = 1 / 160;

/** Measurement in the filter's space: centre x, centre y, aspect (w/h), height. */
export type Xyah = readonly [number, number, number, number];

export interface KalmanState {
  /** [cx, cy, a, h, vcx, vcy, va, vh]. */
  readonly mean: Float64Array;
  /** Per coordinate i: [var(pos_i), cov(pos_i, vel_i), var(vel_i)] at 3*i. */
  readonly cov: Float64Array;
}

// Per-coordinate noise std as multiples of the height; the aspect uses fixed values.
const INIT_POS = (h: number) => [
  2 * STD_WEIGHT_POSITION * h,
  2 * STD_WEIGHT_POSITION * h,
  1e-2,
  2 * STD_WEIGHT_POSITION * h,
];
const INIT_VEL = (h: number) => [
  10 * STD_WEIGHT_VELOCITY * h,
  10 * STD_WEIGHT_VELOCITY * h,
  1e-5,
  10 * STD_WEIGHT_VELOCITY * h,
];
const Q_POS = (h: number) => [STD_WEIGHT_POSITION * h, STD_WEIGHT_POSITION * h, 1e-2, STD_WEIGHT_POSITION * h];
const Q_VEL = (h: number) => [STD_WEIGHT_VELOCITY * h, STD_WEIGHT_VELOCITY * h, 1e-5, STD_WEIGHT_VELOCITY * h];
const R_POS = (h: number) => [STD_WEIGHT_POSITION * h, STD_WEIGHT_POSITION * h, 1e-1, STD_WEIGHT_POSITION * h];

/** A new track's state from its first measurement: zero velocity, uncertainty scaled by height. */
export function initiate(z: Xyah): KalmanState {
  const mean = new Float64Array(8);
  const cov = new Float64Array(12);
  const h = z[3];
  const p = INIT_POS(h);
  const v = INIT_VEL(h);
  for (let i = 0; i < 4; i++) {
    mean[i] = z[i] as number;
    cov[3 * i] = (p[i] as number) ** 2;
    cov[3 * i + 2] = (v[i] as number) ** 2;
  }
  return { mean, cov };
}

/** One frame of constant-velocity motion, in place: x += v; P = F P F' + Q (Q from the current height). */
export function predict(state: KalmanState): void {
  const { mean, cov } = state;
  const h = mean[3] as number;
  const qp = Q_POS(h);
  const qv = Q_VEL(h);
  for (let i = 0; i < 4; i++) {
    mean[i] = (mean[i] as number) + (mean[4 + i] as number);
    const b = 3 * i;
    const pp = cov[b] as number;
    const pv = cov[b + 1] as number;
    const vv = cov[b + 2] as number;
    cov[b] = pp + 2 * pv + vv + (qp[i] as number) ** 2;
    cov[b + 1] = pv + vv;
    cov[b + 2] = vv + (qv[i] as number) ** 2;
  }
}

/** Kalman correction with a measurement, in place (R from the predicted height). */
export function update(state: KalmanState, z: Xyah): void {
  const { mean, cov } = state;
  const r = R_POS(mean[3] as number);
  for (let i = 0; i < 4; i++) {
    const b = 3 * i;
    const pp = cov[b] as number;
    const pv = cov[b + 1] as number;
    const vv = cov[b + 2] as number;
    const s = pp + (r[i] as number) ** 2;
    const kp = pp / s;
    const kv = pv / s;
    const innovation = (z[i] as number) - (mean[i] as number);
    mean[i] = (mean[i] as number) + kp * innovation;
    mean[4 + i] = (mean[4 + i] as number) + kv * innovation;
    cov[b] = pp - kp * pp;
    cov[b + 1] = pv - kp * pv;
    cov[b + 2] = vv - kv * pv;
  }
}

export function cloneState(state: KalmanState): KalmanState {
  return { mean: Float64Array.from(state.mean), cov: Float64Array.from(state.cov) };
}
