import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DetectionPolicy } from './detection-policy.js';
import { DetectionSchedule } from './detection-schedule.js';
import { FrameStatsSampler, GRID } from './frame-stats.js';
import { insidePolygon, MotionGate, SETTLE_FRAMES, type MotionGateSettings } from './motion-gate.js';

const W = 320;
const H = 180;
const settings: MotionGateSettings = {
  pixelThreshold: 25,
  minChangedShare: 0.003,
  forceDetectEveryMs: 2000,
  masks: [],
};

/** A grey scene with a 40 x 40 white block at blockX (none when undefined), with +-3 levels of noise. */
function scene(blockX: number | undefined, seed: number): Uint8Array {
  const px = new Uint8Array(W * H * 3);
  let r = seed * 7919 + 1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      r = (r * 1103515245 + 12345) & 0x7fffffff;
      const inBlock = blockX !== undefined && x >= blockX && x < blockX + 40 && y >= 70 && y < 110;
      const v = inBlock ? 240 : 80 + (r % 7) - 3;
      px.set([v, v, v], (y * W + x) * 3);
    }
  }
  return px;
}

function lumaOf(sampler: FrameStatsSampler, px: Uint8Array): Uint8Array {
  sampler.compute(px, 0);
  return sampler.luma;
}

describe('motion gate', () => {
  it('sees no motion in a still, noisy scene once the background has settled', () => {
    const gate = new MotionGate(settings);
    const sampler = new FrameStatsSampler(W, H, false);
    const motion = Array.from({ length: 20 }, (_, i) => gate.observe(lumaOf(sampler, scene(100, i))));
    assert.deepEqual(
      motion.slice(0, SETTLE_FRAMES),
      Array(SETTLE_FRAMES).fill(true),
      'settling frames count as motion',
    );
    assert.deepEqual(
      motion.slice(SETTLE_FRAMES),
      Array(20 - SETTLE_FRAMES).fill(false),
      'decoder-like noise is not motion',
    );
  });

  it('sees a moving block as motion, on every frame it moves', () => {
    const gate = new MotionGate(settings);
    const sampler = new FrameStatsSampler(W, H, false);
    for (let i = 0; i < 10; i++) gate.observe(lumaOf(sampler, scene(20, i)));
    const moving = Array.from({ length: 10 }, (_, i) => gate.observe(lumaOf(sampler, scene(32 + 12 * i, 10 + i))));
    assert.deepEqual(moving, Array(10).fill(true));
  });

  it('ignores motion inside a mask polygon', () => {
    // The block travels through x 20..188 of 320, rows 70..110 of 180: the mask covers x 0..0.7, y 0.3..0.7.
    const masks = [
      [
        { x: 0, y: 0.3 },
        { x: 0.7, y: 0.3 },
        { x: 0.7, y: 0.7 },
        { x: 0, y: 0.7 },
      ],
    ];
    const gate = new MotionGate({ ...settings, masks });
    const sampler = new FrameStatsSampler(W, H, false);
    for (let i = 0; i < 10; i++) gate.observe(lumaOf(sampler, scene(20, i)));
    const moving = Array.from({ length: 10 }, (_, i) => gate.observe(lumaOf(sampler, scene(32 + 12 * i, 10 + i))));
    assert.deepEqual(moving, Array(10).fill(false));
  });

  it('starts settling again after a reset (a new run of the source)', () => {
    const gate = new MotionGate(settings);
    const sampler = new FrameStatsSampler(W, H, false);
    for (let i = 0; i < 10; i++) gate.observe(lumaOf(sampler, scene(undefined, i)));
    assert.equal(gate.observe(lumaOf(sampler, scene(undefined, 10))), false);
    gate.reset();
    assert.equal(gate.observe(lumaOf(sampler, scene(undefined, 11))), true);
  });

  it('finds points inside polygons by the even-odd rule', () => {
    const triangle = [
      { x: 0, y: 0 },
      { x: 1, y: 0 },
      { x: 0, y: 1 },
    ];
    assert.equal(insidePolygon(triangle, 0.2, 0.2), true);
    assert.equal(insidePolygon(triangle, 0.8, 0.8), false);
    assert.equal(GRID * GRID, 4096, 'the gate reads the 64 x 64 samples of the frame statistics');
  });
});

describe('detection policy (motion gate + schedule)', () => {
  const still = new Uint8Array(GRID * GRID).fill(80);

  it('detects while settling, gates still frames, and forces a detection every period of capture time', () => {
    const policy = new DetectionPolicy(new DetectionSchedule(1), new MotionGate(settings));
    // 5 fps: a frame every 200 ms; the first detection at 0 ms, the forced ones at 2000 ms steps after the last.
    const decisions = Array.from({ length: 26 }, (_, i) => policy.decide(still, i * 200));
    const detected = decisions.flatMap((d, i) => (d === 'detect' ? [i] : []));
    assert.deepEqual(detected, [0, 1, 2, 3, 4, 14, 24], `decisions: ${decisions.join(' ')}`);
    assert.ok(decisions.every((d) => d !== 'scheduled_skip'));
  });

  it('counts the schedule over the frames the gate lets through and keeps a forced detection due until one happens', () => {
    const policy = new DetectionPolicy(
      new DetectionSchedule(3),
      new MotionGate({ ...settings, forceDetectEveryMs: 1000 }),
    );
    const decisions = Array.from({ length: 12 }, (_, i) => policy.decide(still, i * 200));
    // Settling frames 0..4 follow the schedule (detect, skip, skip, detect, skip). Frame 3 (600 ms)
    // was the last detected, so the forced detection is due from 1600 ms, frame 8; 5..7 are gated.
    assert.deepEqual(decisions.slice(0, 8), [
      'detect',
      'scheduled_skip',
      'scheduled_skip',
      'detect',
      'scheduled_skip',
      'gated',
      'gated',
      'gated',
    ]);
    // Frame 8 is due but third in the schedule's cycle (which gated frames did not advance), so it
    // is skipped; the detection stays due and frame 9 gets it; then the next period starts.
    assert.deepEqual(decisions.slice(8), ['scheduled_skip', 'detect', 'gated', 'gated']);
  });

  it('without a gate is the schedule alone', () => {
    const policy = new DetectionPolicy(new DetectionSchedule(2), undefined);
    assert.deepEqual(
      Array.from({ length: 4 }, (_, i) => policy.decide(still, i)),
      ['detect', 'scheduled_skip', 'detect', 'scheduled_skip'],
    );
  });
});
