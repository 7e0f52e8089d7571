import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackState } from '@va/proto/va/common/v1/track';
import { batch, det, track, update } from '../test-support/messages.js';
import { TrackWithoutDetectionRule } from './track-without-detection.js';

const options = { minFrames: 5, minLastScore: 0.6, edgeMargin: 0.02, maxOcclusion: 0.3 };
const BOX: [number, number, number, number] = [200, 100, 260, 260];
const lost = (frames: number, box = BOX) =>
  track('7', box, { state: TrackState.TRACK_STATE_LOST, detectionIndex: -1, framesSinceUpdate: frames });

/** Feeds 3 matched frames at `score`, then `missing` frames without a detection; returns every finding. */
function run(rule: TrackWithoutDetectionRule, score: number, missing: number, box = BOX) {
  const out = [];
  for (let s = 0; s < 3; s++)
    out.push(...rule.onTracks(update(s, [track('7', box, { score })]), batch(s, [det(box, score)])));
  for (let i = 1; i <= missing; i++) out.push(...rule.onTracks(update(2 + i, [lost(i, box)]), batch(2 + i, [])));
  return out;
}

describe('track-without-detection', () => {
  it('flags a confidently seen track once it has had no detection for N frames, once per episode', () => {
    const findings = run(new TrackWithoutDetectionRule(options), 0.85, 12);
    assert.equal(findings.length, 1);
    const f = findings[0]!;
    assert.equal(f.rule, 'track-without-detection');
    assert.equal(f.trackId, '7');
    assert.equal(f.sequence, 2 + 5, 'fires at the N-th unmatched frame');
    assert.equal(f.evidence.frames_unmatched, 5);
    assert.equal(f.evidence.last_score, 0.85);
    assert.deepEqual(f.boxes[0], { x1: 200, y1: 100, x2: 260, y2: 260 });
  });

  it('stays quiet for fewer than N frames, a low last score, a track leaving the picture or an occluded one', () => {
    assert.equal(run(new TrackWithoutDetectionRule(options), 0.85, 4).length, 0);
    assert.equal(run(new TrackWithoutDetectionRule(options), 0.4, 12).length, 0);
    assert.equal(
      run(new TrackWithoutDetectionRule(options), 0.85, 12, [600, 100, 639, 260]).length,
      0,
      'at the right edge',
    );
    const rule = new TrackWithoutDetectionRule(options);
    for (let s = 0; s < 3; s++) rule.onTracks(update(s, [track('7', BOX)]), batch(s, [det(BOX)]));
    const occluder = track('8', [190, 90, 270, 250], { detectionIndex: 0 });
    let found = 0;
    for (let i = 1; i <= 10; i++)
      found += rule.onTracks(update(2 + i, [lost(i), occluder]), batch(2 + i, [det([190, 90, 270, 250])])).length;
    assert.equal(found, 0, 'another person walking in front hides it');
  });

  it('keeps excusing a track that was hidden when it was lost, after its predicted box coasts clear', () => {
    const rule = new TrackWithoutDetectionRule(options);
    for (let s = 0; s < 3; s++) rule.onTracks(update(s, [track('7', BOX)]), batch(s, [det(BOX)]));
    const occluder = track('8', [190, 90, 270, 250], { detectionIndex: 0 });
    let found = 0;
    // Hidden for the first 2 unmatched frames, then the prediction drifts away from the occluder.
    for (let i = 1; i <= 12; i++) {
      const box: [number, number, number, number] = [200 + 30 * i, 100, 260 + 30 * i, 260];
      found += rule.onTracks(
        update(2 + i, i <= 2 ? [lost(i, box), occluder] : [lost(i, box)]),
        batch(2 + i, i <= 2 ? [det([190, 90, 270, 250])] : []),
      ).length;
    }
    assert.equal(found, 0);
  });

  it('does not let people missed together excuse each other (a lost track is no occluder)', () => {
    const rule = new TrackWithoutDetectionRule(options);
    for (let s = 0; s < 3; s++) rule.onTracks(update(s, [track('7', BOX)]), batch(s, [det(BOX)]));
    const alsoLost = track('8', [190, 90, 270, 250], { state: TrackState.TRACK_STATE_LOST, detectionIndex: -1 });
    let found = 0;
    for (let i = 1; i <= 6; i++) found += rule.onTracks(update(2 + i, [lost(i), alsoLost]), batch(2 + i, [])).length;
    assert.equal(found, 1);
  });

  it('starts a new episode after the track is matched again', () => {
    const rule = new TrackWithoutDetectionRule(options);
    assert.equal(run(rule, 0.9, 6).length, 1);
    assert.equal(rule.onTracks(update(20, [track('7', BOX, { score: 0.9 })]), batch(20, [det(BOX)])).length, 0);
    let found = 0;
    for (let i = 1; i <= 6; i++) found += rule.onTracks(update(20 + i, [lost(i)]), undefined).length;
    assert.equal(found, 1);
  });
});

describe('track-without-detection with a detection schedule (detector on every 3rd frame)', () => {
  const predicted = (sequence: number, frames: number, state = TrackState.TRACK_STATE_CONFIRMED) => ({
    ...update(sequence, [track('7', BOX, { state, detectionIndex: -1, framesSinceUpdate: frames })]),
    predicted: true,
  });

  it('never counts a frame the detector skipped as a missed detection', () => {
    const rule = new TrackWithoutDetectionRule(options);
    const out = [];
    for (let s = 0; s < 30; s++) {
      const since = s % 3;
      if (since === 0)
        out.push(...rule.onTracks(update(s, [track('7', BOX, { score: 0.9 })]), batch(s, [det(BOX, 0.9)])));
      else out.push(...rule.onTracks(predicted(s, since), { ...batch(s, []), skipped: true }));
    }
    assert.equal(out.length, 0, 'a track matched on every detected frame is never without detection');
  });

  it('counts only detected frames towards N', () => {
    const rule = new TrackWithoutDetectionRule(options);
    for (let s = 0; s < 3; s++)
      rule.onTracks(update(s * 3, [track('7', BOX, { score: 0.85 })]), batch(s * 3, [det(BOX, 0.85)]));
    // From frame 6 on the detector misses it on every detected frame: fsu counts all frames, N counts detected ones.
    const found = [];
    for (let f = 7; f <= 6 + 3 * 6; f++) {
      const fsu = f - 6;
      if (f % 3 === 0) found.push(...rule.onTracks(update(f, [lost(fsu)]), batch(f, [])));
      else
        found.push(
          ...rule.onTracks(predicted(f, fsu, TrackState.TRACK_STATE_LOST), { ...batch(f, []), skipped: true }),
        );
    }
    assert.equal(found.length, 1);
    assert.equal(found[0]!.evidence.frames_unmatched, 5, 'the 5th missed detected frame');
    assert.equal(found[0]!.sequence, 6 + 3 * 5);
  });
});

describe('track-without-detection under load (frames shed at ingest or inference)', () => {
  it('never counts shed frames as missed detections: a track unmatched across a gap is excused until matched again', () => {
    const rule = new TrackWithoutDetectionRule(options);
    const found = [];
    for (let s = 0; s < 3; s++)
      found.push(...rule.onTracks(update(s, [track('7', BOX, { detectionIndex: 0 })]), batch(s, [det(BOX, 0.9)])));
    // Frames 3..39 were shed: the tracker bridges them (framesSinceUpdate counts them), the detector never saw them.
    for (let s = 40; s < 60; s++) found.push(...rule.onTracks(update(s, [lost(s - 2)]), batch(s, [])));
    assert.equal(found.length, 0, found.map((f) => f.message).join('\n'));
    // Matched again, then really missed on consecutive detected frames: flagged after N of them.
    found.push(...rule.onTracks(update(60, [track('7', BOX, { detectionIndex: 0 })]), batch(60, [det(BOX, 0.9)])));
    for (let s = 61; s < 70; s++) found.push(...rule.onTracks(update(s, [lost(s - 60)]), batch(s, [])));
    assert.deepEqual(
      found.map((f) => f.evidence.frames_unmatched),
      [5],
    );
  });
});
