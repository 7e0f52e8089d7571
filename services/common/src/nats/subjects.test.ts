import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../errors.js';
import { subjects } from './subjects.js';

describe('subjects', () => {
  it('builds one subject per stage and camera', () => {
    assert.equal(subjects.frames('cam-1'), 'va.frames.cam-1');
    assert.equal(subjects.detections('cam_2'), 'va.detections.cam_2');
    assert.equal(subjects.tracks('*'), 'va.tracks.*');
    assert.equal(subjects.trackEvents('lobby'), 'va.track-events.lobby');
    assert.equal(subjects.flags('x'), 'va.flags.x');
    assert.equal(subjects.deadLetter('index', 'x'), 'va.deadletter.index.x');
  });

  it('refuses camera ids that would break the subject space', () => {
    for (const bad of ['', 'a.b', 'a b', '>', 'a*', 'x'.repeat(65), 'é']) {
      assert.throws(() => subjects.frames(bad), InvalidArgumentError, bad);
    }
  });

  it('parses camera and stage back out of a subject', () => {
    assert.equal(subjects.cameraOf('va.track-events.cam-9'), 'cam-9');
    assert.equal(subjects.stageOf('va.track-events.cam-9'), 'trackEvents');
    assert.equal(subjects.stageOf('other.thing.x'), undefined);
  });
});
