import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RawDetection } from './box-validation.js';
import { ByteTracker, type TrackerStep } from './byte-tracker.js';
import { DEFAULT_TRACKER_PARAMS, type TrackerParams } from './tracker-params.js';

const W = 1280;
const H = 720;

function det(
  cx: number,
  cy: number,
  score: number,
  extra: Partial<RawDetection> & { w?: number; h?: number } = {},
): RawDetection {
  const w = extra.w ?? 40;
  const h = extra.h ?? 100;
  return {
    box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 },
    score,
    classId: extra.classId ?? 0,
    className: extra.className ?? 'person',
    embedding: extra.embedding,
  };
}

function tracker(overrides: Partial<TrackerParams> = {}) {
  return new ByteTracker({ ...DEFAULT_TRACKER_PARAMS, ...overrides });
}

interface Snapshot {
  id: number;
  status: string;
  detectionIndex: number;
  score: number;
  age: number;
  hits: number;
  className: string;
  box: { x1: number; y1: number; x2: number; y2: number };
  vx: number;
}
type Step = Omit<TrackerStep, 'tracks'> & { tracks: Snapshot[] };

/** Runs frames through the tracker and copies each step's tracks (the tracker mutates its tracks). */
function run(t: ByteTracker, frames: RawDetection[][], gaps: number[] = []): Step[] {
  return frames.map((detections, k) => {
    const step = t.update({
      detections,
      frameWidth: W,
      frameHeight: H,
      timestampMs: 1000 + 100 * k,
      framesElapsed: gaps[k] ?? 1,
    });
    const tracks = step.tracks.map((tr) => ({
      id: tr.id,
      status: tr.status,
      detectionIndex: tr.detectionIndex,
      score: tr.score,
      age: tr.age,
      hits: tr.hits,
      className: tr.className,
      box: tr.box,
      vx: tr.velocity.vx,
    }));
    return { ...step, tracks };
  });
}

/** Ids of the confirmed tracks matched to detection `index` in each frame. */
function idsOf(steps: Step[], index = 0): Array<number | undefined> {
  return steps.map((s) => s.tracks.find((t) => t.status === 'confirmed' && t.detectionIndex === index)?.id);
}

describe('ByteTracker', () => {
  it('confirms after minHits, reports started once, keeps the id while the object moves', () => {
    const t = tracker({ confirmOnFirstFrame: false, minHits: 3 });
    const steps = run(
      t,
      Array.from({ length: 8 }, (_, k) => [det(100 + 10 * k, 300, 0.9)]),
    );
    assert.equal(steps[0]!.tracks[0]!.status, 'tentative');
    assert.equal(steps[1]!.tracks[0]!.status, 'tentative');
    assert.equal(steps[2]!.tracks[0]!.status, 'confirmed');
    assert.deepEqual(
      steps.map((s) => s.started.length),
      [0, 0, 1, 0, 0, 0, 0, 0],
    );
    assert.deepEqual(new Set(idsOf(steps.slice(2))), new Set([1]));
    const track = steps[7]!.tracks[0]!;
    assert.ok(Math.abs(track.vx - 10) < 1.5, `vx ${track.vx}`);
    assert.equal(track.hits, 8);
  });

  it('a tentative track that misses once dies without events; low scores never start tracks', () => {
    const t = tracker({ confirmOnFirstFrame: false });
    const steps = run(t, [[det(100, 300, 0.9), det(600, 300, 0.4)], [], [det(900, 300, 0.55)]]);
    assert.equal(steps[0]!.tracks.length, 1, 'only the high-score detection starts a track');
    assert.equal(steps[1]!.tracks.length, 0, 'the tentative track died');
    assert.equal(steps[2]!.tracks.length, 0, 'score 0.55 is below new_track_thresh 0.6');
    assert.ok(steps.every((s) => s.started.length === 0 && s.ended.length === 0 && s.lost.length === 0));
  });

  it('keeps the id through a short occlusion with no detections, reporting lost but not ended', () => {
    const t = tracker();
    const frames: RawDetection[][] = [];
    for (let k = 0; k < 30; k++) frames.push(k >= 10 && k < 16 ? [] : [det(100 + 8 * k, 300, 0.9)]);
    const steps = run(t, frames);
    const ids = idsOf(steps).filter((id) => id !== undefined);
    assert.deepEqual(new Set(ids), new Set([1]), 'one identity before and after');
    assert.equal(steps[10]!.lost.length, 1, 'lost at the first missed frame');
    assert.equal(steps[16]!.refound.length, 1, 're-found when it reappears');
    assert.ok(steps.every((s) => s.ended.length === 0));
    assert.equal(steps[12]!.tracks[0]!.status, 'lost');
    assert.equal(steps[12]!.tracks[0]!.detectionIndex, -1);
  });

  it('two-stage association follows an occluded object through its low-score detections', () => {
    // The object walks right, then behind an occluder (scores 0.3) turns and walks down; the
    // motion model alone would keep predicting "right" and lose it.
    const frames: RawDetection[][] = [];
    let x = 100;
    let y = 200;
    for (let k = 0; k < 40; k++) {
      if (k < 15) x += 8;
      else y += 8;
      const occluded = k >= 15 && k < 30;
      frames.push([det(x, y, occluded ? 0.3 : 0.9)]);
    }
    const byte = run(tracker(), frames);
    const byteIds = idsOf(byte);
    assert.deepEqual(new Set(byteIds), new Set([1]), 'one identity, matched in every frame');
    assert.ok(
      byte.slice(15, 30).every((s) => s.tracks[0]!.detectionIndex === 0 && s.tracks[0]!.score === 0.3),
      'low-score detections matched',
    );
    assert.ok(byte.every((s) => s.lost.length === 0));

    const oneStage = run(tracker({ twoStage: false }), frames);
    const oneStageIds = new Set(idsOf(oneStage).filter((id) => id !== undefined));
    assert.ok(oneStageIds.size >= 2, `without the second stage the object gets a new id (ids ${[...oneStageIds]})`);
    assert.ok(oneStage.some((s) => s.lost.length > 0));
  });

  it('ends a lost track after track_buffer frames with its duration and path length', () => {
    const t = tracker({ trackBuffer: 5 });
    const frames: RawDetection[][] = [];
    for (let k = 0; k < 10; k++) frames.push([det(100 + 10 * k, 300, 0.9)]);
    for (let k = 0; k < 7; k++) frames.push([]);
    const steps = run(t, frames);
    const endedAt = steps.findIndex((s) => s.ended.length > 0);
    assert.equal(endedAt, 9 + 6, 'removed once more than 5 frames have passed since the last match');
    const ended = steps[endedAt]!.ended[0]!;
    assert.equal(ended.firstSeenMs, 1000);
    assert.equal(ended.lastSeenMs, 1000 + 100 * 9);
    assert.ok(Math.abs(ended.pathLength - 90) < 10, `path ${ended.pathLength}`);
    assert.equal(steps[endedAt]!.tracks.length, 0);
  });

  it('advances the prediction over missing frames so a gap does not break the identity', () => {
    const frames: RawDetection[][] = [];
    for (let k = 0; k < 10; k++) frames.push([det(100 + 10 * k, 300, 0.9, { w: 30 })]);
    frames.push([det(100 + 10 * 14, 300, 0.9, { w: 30 })]); // 5 frames later, 50 px further
    const bridged = run(tracker(), frames, [...Array(10).fill(1), 5]);
    assert.deepEqual(new Set(idsOf(bridged)), new Set([1]));
    assert.equal(bridged[10]!.frame, 15);
    assert.equal(bridged[10]!.tracks[0]!.age, 15);

    const naive = run(tracker(), frames); // told one frame passed: 50 px looks like a jump
    assert.notEqual(idsOf(naive)[10], 1);
  });

  it('matches per class when class-aware, and votes the class when not', () => {
    const frames = [
      [det(200, 300, 0.9)],
      [det(204, 300, 0.9, { classId: 2, className: 'car' })],
      [det(208, 300, 0.9, { classId: 2, className: 'car' })],
    ];
    const aware = run(tracker(), frames);
    assert.equal(aware[1]!.tracks.find((t) => t.id === 1)!.detectionIndex, -1, 'a car does not continue a person');
    assert.ok(aware[2]!.tracks.some((t) => t.className === 'car' && t.id !== 1));

    const agnostic = run(tracker({ classAware: false }), frames);
    assert.deepEqual(idsOf(agnostic), [1, 1, 1]);
    assert.equal(agnostic[2]!.tracks[0]!.className, 'car', 'two car votes outweigh one person vote');
  });

  it('appearance keeps identities apart when motion alone swaps them', () => {
    // Two people meet and both turn back; the motion model expects them to walk through each other.
    const ea = [1, 0, 0, 0];
    const eb = [0, 1, 0, 0];
    const frames: RawDetection[][] = [];
    for (let k = 0; k < 24; k++) {
      const offset = k <= 10 ? 10 * k : 200 - 10 * k;
      frames.push([
        det(100 + offset, 300, 0.9, { w: 100, embedding: ea }),
        det(300 - offset, 300, 0.9, { w: 100, embedding: eb }),
      ]);
    }
    const withAppearance = run(tracker(), frames);
    assert.deepEqual(new Set(idsOf(withAppearance, 0)), new Set([1]));
    assert.deepEqual(new Set(idsOf(withAppearance, 1)), new Set([2]));

    const motionOnly = run(tracker({ appearance: false }), frames);
    assert.ok(new Set(idsOf(motionOnly, 0)).size > 1, 'IoU alone swaps or breaks the identities (the scene is hard)');
  });

  it('rejects and counts malformed boxes without disturbing the valid ones', () => {
    const t = tracker();
    const bad: RawDetection[] = [
      { box: { x1: NaN, y1: 0, x2: 10, y2: 10 }, score: 0.9, classId: 0, className: 'person' },
      { box: { x1: 0, y1: 0, x2: Infinity, y2: 10 }, score: 0.9, classId: 0, className: 'person' },
      { box: { x1: 50, y1: 50, x2: 10, y2: 100 }, score: 0.9, classId: 0, className: 'person' },
      { box: { x1: 5000, y1: 50, x2: 5100, y2: 150 }, score: 0.9, classId: 0, className: 'person' },
      { box: { x1: -1e9, y1: -1e9, x2: 1e9, y2: 1e9 }, score: 0.9, classId: 0, className: 'person' },
      { box: { x1: 10, y1: 10, x2: 10.5, y2: 200 }, score: 0.9, classId: 0, className: 'person' },
      { box: undefined, score: 0.9, classId: 0, className: 'person' },
      { box: { x1: 10, y1: 10, x2: 50, y2: 100 }, score: NaN, classId: 0, className: 'person' },
      { box: { x1: 10, y1: 10, x2: 50, y2: 100 }, score: 0.9, classId: 0, className: 'person', embedding: [NaN, 1] },
    ];
    const steps = run(t, [
      [det(400, 300, 0.9), ...bad],
      [det(410, 300, 0.9), ...bad],
    ]);
    assert.deepEqual(steps[0]!.rejected, {
      not_finite: 2,
      inverted: 1,
      out_of_frame: 2,
      too_small: 1,
      missing_box: 1,
      bad_score: 1,
    });
    assert.equal(steps[0]!.droppedEmbeddings, 1);
    const tracked = steps[1]!.tracks.find((tr) => tr.detectionIndex === 0);
    assert.equal(tracked?.id, 1, 'the valid detection is tracked; indices refer to the original list');
    for (const s of steps) for (const tr of s.tracks) assert.ok(Object.values(tr.box).every(Number.isFinite));
  });

  it('keeps at most maxDetections per frame, dropping the lowest scores', () => {
    const t = tracker({ validation: { ...DEFAULT_TRACKER_PARAMS.validation, maxDetections: 2 } });
    const step = t.update({
      detections: [det(100, 300, 0.7), det(300, 300, 0.95), det(500, 300, 0.8)],
      frameWidth: W,
      frameHeight: H,
      timestampMs: 0,
    });
    assert.deepEqual(step.rejected, { over_limit: 1 });
    assert.deepEqual(step.tracks.map((tr) => tr.detectionIndex).sort(), [1, 2]);
  });

  it('is deterministic', () => {
    const frames: RawDetection[][] = [];
    for (let k = 0; k < 30; k++) {
      frames.push([
        det(100 + 7 * k, 300, k % 7 === 3 ? 0.3 : 0.8),
        det(600 - 5 * k, 320, 0.7),
        det(900, 100 + 3 * k, k % 5 === 0 ? 0.2 : 0.95),
      ]);
    }
    const summary = (steps: Step[]) =>
      JSON.stringify(steps.map((s) => s.tracks.map((tr) => [tr.id, tr.status, tr.detectionIndex, tr.box])));
    assert.equal(summary(run(tracker(), frames)), summary(run(tracker(), frames)));
  });

  it('predict() advances tracks without association: tentative ones survive, none is lost, the next detection matches the prediction', () => {
    const t = tracker({ confirmOnFirstFrame: false, minHits: 2 });
    const frame = (k: number) => ({
      detections: [det(100 + 6 * k, 300, 0.9)],
      frameWidth: W,
      frameHeight: H,
      timestampMs: 1000 + 100 * k,
    });
    t.update(frame(0));
    t.update(frame(1));
    const confirmed = t.tracks[0]!;
    assert.equal(confirmed.status, 'confirmed');
    t.update({ ...frame(2), detections: [det(100 + 6 * 2, 300, 0.9), det(700, 300, 0.9)] });
    const tentative = t.tracks.find((x) => x.status === 'tentative');
    assert.ok(tentative, 'a second person was just born');
    const before = confirmed.box.x1;
    const step = t.predict(2);
    assert.equal(step.frame, 5, 'frames 1-3 detected, 4 and 5 predicted');
    assert.deepEqual(
      [step.started, step.lost, step.ended, step.refound].map((l) => l.length),
      [0, 0, 0, 0],
    );
    assert.equal(confirmed.status, 'confirmed', 'no detection was tried, so nobody is lost');
    assert.equal(tentative.status, 'tentative', 'a tentative track waits for the next detected frame');
    assert.equal(confirmed.detectionIndex, -1);
    assert.equal(confirmed.framesSinceUpdate, 2);
    assert.ok(confirmed.box.x1 > before + 6, `the box moved on by its velocity: ${before} -> ${confirmed.box.x1}`);
    t.update({ ...frame(5), detections: [det(100 + 6 * 5, 300, 0.9), det(700, 300, 0.9)], framesElapsed: 1 });
    assert.deepEqual(
      t.tracks.map((x) => [x.id, x.status, x.detectionIndex]),
      [
        [1, 'confirmed', 0],
        [2, 'confirmed', 1],
      ],
    );
  });

  it('predict() over a gap longer than maxPredictFrames ends every track (reason gap)', () => {
    const t = tracker({ maxPredictFrames: 5 });
    t.update({ detections: [det(100, 300, 0.9)], frameWidth: W, frameHeight: H, timestampMs: 0 });
    const step = t.predict(6);
    assert.deepEqual(
      step.ended.map((x) => x.endReason),
      ['gap'],
    );
    assert.equal(step.tracks.length, 0);
  });
});
