import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackState } from '@va/proto/va/common/v1/track';
import { batch, det, track, update } from '../test-support/messages.js';
import { InvalidBoxRule } from './invalid-box.js';

describe('invalid-box', () => {
  const rule = new InvalidBoxRule({ edgeTolerance: 0.05 });

  it('reports NaN, zero-area, outside-frame and bad-score boxes, one finding per kind', () => {
    const found = rule.onDetections(
      batch(3, [
        det([10, 10, 50, 90]),
        det([NaN, 10, 50, 90]),
        det([10, 10, Infinity, 90]),
        det([30, 30, 30, 60]),
        det([700, 10, 760, 90]),
        det([-100, 10, -20, 50]),
        det([10, 10, 50, 90], 1.7),
      ]),
    );
    const bySubject = new Map(found.map((f) => [f.subject, f]));
    assert.deepEqual([...bySubject.keys()].sort(), [
      'detection:bad-score',
      'detection:nan',
      'detection:outside-frame',
      'detection:zero-area',
    ]);
    assert.equal(bySubject.get('detection:nan')!.evidence.boxes, 2);
    assert.equal(bySubject.get('detection:nan')!.boxes.length, 0, 'NaN boxes are counted, not carried');
    assert.equal(bySubject.get('detection:outside-frame')!.boxes.length, 2);
    assert.equal(bySubject.get('detection:zero-area')!.boxes[0]!.x1, 30);
  });

  it('accepts boxes that touch or slightly overshoot the edge, and checks track boxes too', () => {
    assert.equal(rule.onDetections(batch(1, [det([-10, -5, 100, 100]), det([600, 400, 660, 490])])).length, 0);
    const found = rule.onTracks(update(1, [track('1', [50, 50, 40, 80])]));
    assert.equal(found[0]?.subject, 'track:zero-area');
    const coasting = track('2', [700, 50, 760, 200], { state: TrackState.TRACK_STATE_LOST, detectionIndex: -1 });
    assert.equal(rule.onTracks(update(2, [coasting])).length, 0, 'a lost track coasting out of the picture is normal');
  });
});
