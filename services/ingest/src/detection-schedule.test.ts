import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DetectionSchedule } from './detection-schedule.js';

describe('DetectionSchedule', () => {
  it('detects the first frame and then every Nth', () => {
    const s = new DetectionSchedule(3);
    const skips = Array.from({ length: 7 }, () => s.nextSkips());
    assert.deepEqual(skips, [false, true, true, false, true, true, false]);
  });

  it('detects every frame when N is 1', () => {
    const s = new DetectionSchedule(1);
    assert.deepEqual([s.nextSkips(), s.nextSkips(), s.nextSkips()], [false, false, false]);
  });
});
