import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackState } from '@va/proto/va/common/v1/track';
import { track, update } from '../test-support/messages.js';
import { ImpossibleMotionRule } from './impossible-motion.js';

const options = { minJumpDiagonals: 1, maxSpeedDiagonalsPerS: 12 };

describe('impossible-motion', () => {
  it('flags a box that jumps several diagonals between two frames (a teleport), with both boxes', () => {
    const rule = new ImpossibleMotionRule(options);
    const walk = [0, 1, 2, 3].map((s) => update(s, [track('9', [100 + s * 4, 100, 140 + s * 4, 200])]));
    assert.equal(walk.flatMap((u) => rule.onTracks(u)).length, 0, 'walking is fine');
    const found = rule.onTracks(update(4, [track('9', [450, 300, 490, 400])]));
    assert.equal(found.length, 1);
    const f = found[0]!;
    assert.ok(f.evidence.jump_diagonals! > 3);
    assert.ok(f.evidence.speed_diagonals_per_s! > 12);
    assert.equal(f.boxes.length, 2);
    assert.equal(f.evidence.from_sequence, 3);
  });

  it('allows a long move after a long gap, ignores unmatched (predicted) boxes and tentative tracks', () => {
    const rule = new ImpossibleMotionRule(options);
    rule.onTracks(update(0, [track('9', [100, 100, 140, 200])]));
    // 3 s later 3 diagonals away: 1 diagonal per second, a brisk walk after an occlusion.
    assert.equal(rule.onTracks(update(30, [track('9', [420, 100, 460, 200])])).length, 0);
    assert.equal(
      rule.onTracks(
        update(31, [track('9', [0, 300, 40, 400], { detectionIndex: -1, state: TrackState.TRACK_STATE_LOST })]),
      ).length,
      0,
    );
    assert.equal(
      rule.onTracks(update(32, [track('9', [0, 300, 40, 400], { state: TrackState.TRACK_STATE_TENTATIVE })])).length,
      0,
    );
  });
});
