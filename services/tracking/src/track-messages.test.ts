import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { TrackEventType, TrackState } from '@va/proto/va/common/v1/track';
import { handoverEndedEvents, SessionMessages } from './track-messages.js';
import { ByteTracker, type TrackerStep } from './tracker/byte-tracker.js';
import { DEFAULT_TRACKER_PARAMS } from './tracker/tracker-params.js';
import { ZoneMonitor } from './zones/zone-monitor.js';

const T0 = 1_700_000_000_000;

/** One person walking right 10 px per frame. */
function batch(sequence: number): DetectionBatch {
  const x = 100 + 10 * sequence;
  return DetectionBatch.fromPartial({
    cameraId: 'cam-1',
    sequence,
    captureTsMs: T0 + 100 * sequence,
    frameWidth: 1280,
    frameHeight: 720,
    streamEpoch: 'e1',
    detections: [{ box: { x1: x - 20, y1: 250, x2: x + 20, y2: 350 }, score: 0.9, classId: 0, className: 'person' }],
  });
}

function track(frames: number): { tracker: ByteTracker; step: TrackerStep; last: DetectionBatch } {
  const tracker = new ByteTracker(DEFAULT_TRACKER_PARAMS);
  let step: TrackerStep | undefined;
  let last = batch(0);
  for (let q = 0; q < frames; q++) {
    last = batch(q);
    step = tracker.update({
      detections: last.detections,
      frameWidth: 1280,
      frameHeight: 720,
      timestampMs: last.captureTsMs,
    });
  }
  return { tracker, step: step!, last };
}

describe('SessionMessages', () => {
  it('builds the TrackUpdate of a frame with session-tagged track ids', () => {
    const { step, last } = track(5);
    const update = new SessionMessages('cam-1', 'sess').update(last, step);
    assert.equal(update.cameraId, 'cam-1');
    assert.equal(update.sequence, 4);
    assert.equal(update.tracks.length, 1);
    assert.equal(update.tracks[0]!.trackId, 'sess-1');
    assert.equal(update.tracks[0]!.state, TrackState.TRACK_STATE_CONFIRMED);
    assert.equal(update.tracks[0]!.detectionIndex, 0);
  });

  it('ends a live track and a track read back from its last TrackUpdate with the very same ENDED event', () => {
    const { tracker, step, last } = track(8);
    const messages = new SessionMessages('cam-1', 'sess');
    const update = messages.update(last, step);
    const fromUpdate = handoverEndedEvents('cam-1', update);
    const [live] = tracker.endAll();
    const fromTracker = messages.endEvents(live!, last.sequence, last.captureTsMs, 'handover', new ZoneMonitor());
    assert.equal(fromUpdate.length, 1);
    assert.deepEqual(fromUpdate, fromTracker);
    const ended = fromUpdate[0]!;
    assert.equal(ended.type, TrackEventType.TRACK_EVENT_TYPE_ENDED);
    assert.equal(ended.eventId, 'cam-1:sess-1:ended:7');
    assert.equal(ended.reason, 'handover');
    assert.equal(ended.durationMs, 700);
    assert.ok(Math.abs(ended.pathLengthPx - 70) < 5, `path ${ended.pathLengthPx}`);
  });

  it('ends nothing for a TrackUpdate without tracks', () => {
    const { step, last } = track(1);
    const update = new SessionMessages('cam-1', 'sess').update(last, { ...step, tracks: [] });
    assert.deepEqual(handoverEndedEvents('cam-1', update), []);
  });
});
