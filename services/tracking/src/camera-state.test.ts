import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { TrackEventType, TrackState } from '@va/proto/va/common/v1/track';
import { CameraState, type FrameOutput, type StepResult } from './camera-state.js';
import { DEFAULT_TRACKER_PARAMS } from './tracker/tracker-params.js';

const T0 = 1_700_000_000_000;

/** One person walking right 10 px per frame; absent in the frames listed. */
function batch(
  sequence: number,
  opts: { epoch?: string; absent?: boolean; x?: number; ts?: number } = {},
): DetectionBatch {
  const x = opts.x ?? 100 + 10 * sequence;
  return DetectionBatch.fromPartial({
    cameraId: 'cam-1',
    sequence,
    captureTsMs: opts.ts ?? T0 + 100 * sequence,
    frameWidth: 1280,
    frameHeight: 720,
    streamEpoch: opts.epoch ?? 'e1',
    detections: opts.absent
      ? []
      : [
          { box: { x1: 5, y1: 5, x2: 6, y2: 6 }, score: 0.9, classId: 0, className: 'person' }, // too small: rejected, shifts indices
          { box: { x1: x - 20, y1: 250, x2: x + 20, y2: 350 }, score: 0.9, classId: 0, className: 'person' },
        ],
  });
}

function state() {
  return new CameraState<number>({
    camera: 'cam-1',
    tracker: { ...DEFAULT_TRACKER_PARAMS, trackBuffer: 5 },
    reorder: { window: 8, gapTimeoutMs: 500 },
  });
}

const outputsOf = (results: Array<StepResult<number>>) => results.flatMap((r) => r.outputs);
const eventsOf = (outputs: Array<FrameOutput<number>>) => outputs.flatMap((o) => o.events);
const typeName = (t: TrackEventType) => TrackEventType[t].replace('TRACK_EVENT_TYPE_', '').toLowerCase();

describe('CameraState', () => {
  it('emits TrackUpdates linked to detections and started / lost / ended events with duration and path length', () => {
    const s = state();
    const results = [];
    for (let q = 0; q < 20; q++) results.push(s.offer(batch(q, { absent: q >= 8 }), q, 0));
    const outputs = outputsOf(results);
    assert.deepEqual(
      outputs.map((o) => o.sequence),
      [...Array(20).keys()],
    );
    assert.deepEqual(
      outputs.map((o) => o.tokens),
      [...Array(20).keys()].map((q) => [q]),
    );
    const first = outputs[0]!.update!;
    assert.equal(first.tracks.length, 1);
    assert.equal(first.tracks[0]!.detectionIndex, 1, 'index into the original DetectionBatch.detections');
    assert.equal(first.tracks[0]!.state, TrackState.TRACK_STATE_CONFIRMED);
    assert.deepEqual(outputs[0]!.rejected, { too_small: 1 });
    const lostFrame = outputs[8]!.update!;
    assert.equal(lostFrame.tracks[0]!.state, TrackState.TRACK_STATE_LOST);
    assert.equal(lostFrame.tracks[0]!.detectionIndex, -1);
    assert.ok(Math.abs(outputs[7]!.update!.tracks[0]!.vx - 10) < 2);

    const events = eventsOf(outputs);
    assert.deepEqual(
      events.map((e) => `${typeName(e.type)}@${e.sequence}`),
      ['started@0', 'lost@8', 'ended@13'],
    );
    const ended = events[2]!;
    assert.equal(ended.durationMs, 700);
    assert.ok(Math.abs(ended.pathLengthPx - 70) < 5, `path ${ended.pathLengthPx}`);
    assert.equal(ended.reason, 'expired');
    assert.equal(ended.firstSeenTsMs, T0);
    assert.equal(new Set(events.map((e) => e.trackId)).size, 1);
    assert.equal(new Set(events.map((e) => e.eventId)).size, 3);
  });

  it('orders frames, drops late ones, and bridges a gap with the prediction', () => {
    const s = state();
    const results = [0, 1, 3, 2, 4, 6, 7].map((q) => s.offer(batch(q), q, 0));
    assert.deepEqual(
      outputsOf(results).map((o) => o.sequence),
      [0, 1, 2, 3, 4],
    );
    const expired = s.expire(500);
    assert.deepEqual(
      expired.outputs.map((o) => o.sequence),
      [6, 7],
    );
    assert.equal(expired.skipped, 1);
    const late = s.offer(batch(5), 5, 600);
    assert.deepEqual(late.dropped, [{ token: 5, reason: 'late' }]);
    const dup = s.offer(batch(6), 66, 600);
    assert.deepEqual(dup.dropped, [{ token: 66, reason: 'duplicate' }]);
    const ids = new Set(
      [...outputsOf(results), ...expired.outputs].flatMap((o) => o.update!.tracks.map((t) => t.trackId)),
    );
    assert.equal(ids.size, 1, 'one identity across the gap');
    assert.deepEqual(s.counters, { frames: 7, late: 1, duplicates: 1, skipped: 1, shed: 0 });
  });

  it('tracks a frame behind shed frames at once when its batch announces them, one identity across the gap', () => {
    const s = state();
    const results = [0, 1].map((q) => s.offer(batch(q), q, 0));
    results.push(s.offer({ ...batch(5), shedSequences: [2, 3, 4] }, 5, 0));
    results.push(s.offer({ ...batch(8), shedSequences: [6, 7] }, 8, 0));
    const outputs = outputsOf(results);
    assert.deepEqual(
      outputs.map((o) => o.sequence),
      [0, 1, 5, 8],
      'nothing waited for the gap timeout',
    );
    assert.equal(s.bufferDepth, 0);
    assert.equal(new Set(outputs.flatMap((o) => o.update!.tracks.map((t) => t.trackId))).size, 1);
    assert.deepEqual(s.counters, { frames: 4, late: 0, duplicates: 0, skipped: 0, shed: 5 });
  });

  it('a new stream epoch ends the session cleanly: ended events, fresh ids, stragglers of the old epoch refused', () => {
    const s = state();
    const before = outputsOf([0, 1, 2, 3].map((q) => s.offer(batch(q), q, 0)));
    const oldId = before[3]!.update!.tracks[0]!.trackId;
    const r = s.offer(batch(0, { epoch: 'e2', ts: T0 + 10_000 }), 100, 0);
    assert.deepEqual(r.resets, ['stream_epoch']);
    const [end, fresh] = r.outputs;
    assert.equal(end!.update, undefined);
    assert.deepEqual(
      end!.events.map((e) => [typeName(e.type), e.trackId, e.reason, e.sequence]),
      [['ended', oldId, 'stream_restart', 3]],
    );
    assert.equal(fresh!.epoch, 'e2');
    const newId = fresh!.update!.tracks[0]!.trackId;
    assert.notEqual(newId, oldId);
    assert.deepEqual(s.offer(batch(4), 4, 0).dropped, [{ token: 4, reason: 'stale_epoch' }]);
  });

  it('sequence numbers restarting with newer capture times are a stream restart even without an epoch', () => {
    const s = state();
    outputsOf([0, 1, 2, 3, 4].map((q) => s.offer(batch(q, { epoch: '' }), q, 0)));
    const r = s.offer(batch(0, { epoch: '', ts: T0 + 60_000 }), 10, 0);
    assert.deepEqual(r.resets, ['sequence_restart']);
    assert.equal(r.outputs.at(-1)!.sequence, 0);
    assert.equal(r.outputs.at(-1)!.update!.tracks.length, 1);
  });

  it('replaying the same frames gives the same ids (so re-publishing de-duplicates)', () => {
    const run = () => {
      const s = state();
      const outs = outputsOf([5, 6, 7, 8, 9].map((q) => s.offer(batch(q, { absent: q === 8 }), q, 0)));
      outs.push(...s.expire(10_000).outputs);
      return outs.map((o) => ({
        tracks: o.update?.tracks.map((t) => t.trackId),
        events: o.events.map((e) => e.eventId),
      }));
    };
    const first = run();
    assert.ok(
      first.some((o) => (o.tracks?.length ?? 0) > 0) && first.some((o) => o.events.length > 0),
      'the replay produces tracks and events to compare',
    );
    assert.deepEqual(run(), first);
  });

  it('zone and line events carry the track and the direction', () => {
    const s = state();
    s.setZones({
      zones: [
        {
          zoneId: 'middle',
          polygon: [
            { x: 190, y: 0 },
            { x: 260, y: 0 },
            { x: 260, y: 720 },
            { x: 190, y: 720 },
          ],
          classes: [],
        },
      ],
      lines: [{ lineId: 'gate', a: { x: 300, y: 720 }, b: { x: 300, y: 0 }, classes: ['person'] }],
    });
    const outputs = outputsOf([...Array(30).keys()].map((q) => s.offer(batch(q), q, 0)));
    const events = eventsOf(outputs).filter((e) => e.type !== TrackEventType.TRACK_EVENT_TYPE_STARTED);
    assert.deepEqual(
      events.map((e) => `${typeName(e.type)} ${e.zoneId || e.lineId} ${e.direction}@${e.sequence}`),
      ['zone_enter middle @10', 'zone_exit middle @17', 'line_cross gate in@21'],
    );
    // x = 100 + 10q: inside the zone from x 200 (q 10) to 260 (q 16); on the line at q 20, across at 21.
    // a->b points up the screen, so walking right crosses from its left to its right: "in".
    assert.ok(events.every((e) => e.trackId === events[0]!.trackId));
  });

  it('hands over: tracks end with reason handover; frames still waiting are returned unacknowledged', () => {
    const s = state();
    outputsOf([0, 1, 2].map((q) => s.offer(batch(q), q, 0)));
    s.offer(batch(4), 4, 0);
    const { output, unprocessed } = s.handOver();
    assert.deepEqual(unprocessed, [4]);
    assert.deepEqual(
      output!.events.map((e) => [typeName(e.type), e.reason, e.sequence]),
      [['ended', 'handover', 2]],
    );
  });

  it('a camera gone quiet ends its tracks (idle); the next frame starts a new session', () => {
    const s = state();
    const before = outputsOf([0, 1, 2].map((q) => s.offer(batch(q), q, 0)));
    const idle = s.endIdle()!;
    assert.deepEqual(
      idle.events.map((e) => [typeName(e.type), e.reason, e.sequence]),
      [['ended', 'idle', 2]],
    );
    assert.equal(s.endIdle(), undefined, 'nothing left to end');
    const after = outputsOf([s.offer(batch(3), 3, 0)]);
    assert.notEqual(after[0]!.update!.tracks[0]!.trackId, before[2]!.update!.tracks[0]!.trackId);
  });
});

describe('CameraState: frames the detection schedule skipped', () => {
  /** Two people walking apart 5 px per frame; only every third frame was detected. */
  function scheduled(sequence: number): DetectionBatch {
    const skipped = sequence % 3 !== 0;
    const a = 300 + 5 * sequence;
    const b = 900 - 5 * sequence;
    return DetectionBatch.fromPartial({
      cameraId: 'cam-1',
      sequence,
      captureTsMs: T0 + 200 * sequence,
      frameWidth: 1280,
      frameHeight: 720,
      streamEpoch: 'e1',
      skipped,
      detections: skipped
        ? []
        : [
            { box: { x1: a - 20, y1: 250, x2: a + 20, y2: 350 }, score: 0.9, classId: 0, className: 'person' },
            { box: { x1: b - 20, y1: 260, x2: b + 20, y2: 360 }, score: 0.85, classId: 0, className: 'person' },
          ],
    });
  }

  it('publishes a predicted TrackUpdate for every skipped frame, ids stable, nobody lost for want of a detection', () => {
    const s = state();
    const outputs = outputsOf([...Array(31).keys()].map((q) => s.offer(scheduled(q), q, 0)));
    assert.deepEqual(
      outputs.map((o) => o.sequence),
      [...Array(31).keys()],
      'one output per frame, in order',
    );
    const ids = new Set<string>();
    for (const o of outputs) {
      const u = o.update!;
      const skipped = o.sequence % 3 !== 0;
      assert.equal(u.predicted, skipped, `frame ${o.sequence} predicted`);
      assert.equal(u.tracks.length, 2, `frame ${o.sequence} has both tracks`);
      for (const t of u.tracks) {
        ids.add(t.trackId);
        assert.equal(t.state, TrackState.TRACK_STATE_CONFIRMED, `frame ${o.sequence}: ${t.trackId} stays confirmed`);
        if (skipped) {
          assert.equal(t.detectionIndex, -1);
          assert.equal(t.score, 0);
        } else assert.ok(t.detectionIndex >= 0, `frame ${o.sequence}: ${t.trackId} matched`);
      }
    }
    assert.equal(ids.size, 2, `ids stable across predicted frames: ${[...ids].join(', ')}`);
    const events = eventsOf(outputs).map((e) => `${typeName(e.type)}@${e.sequence}`);
    assert.deepEqual(events, ['started@0', 'started@0'], 'no lost, ended or duplicate events from predicted frames');
    assert.equal(outputs.filter((o) => o.update!.predicted).length, 20, 'predicted updates');
  });

  it('moves predicted boxes along the tracks’ velocity, so downstream sees motion between detections', () => {
    const s = state();
    const outputs = outputsOf([...Array(29).keys()].map((q) => s.offer(scheduled(q), q, 0)));
    const centreX = (q: number, i: number) => {
      const box = outputs[q]!.update!.tracks[i]!.box!;
      return (box.x1 + box.x2) / 2;
    };
    // Frame 28 lies between detections at 27 and 30: the first person was at 435 and heads right.
    assert.ok(centreX(28, 0) > centreX(27, 0), `predicted ${centreX(28, 0)} after ${centreX(27, 0)}`);
    assert.ok(
      Math.abs(centreX(28, 0) - (300 + 5 * 28)) < 6,
      `predicted centre ${centreX(28, 0)} near the truth ${300 + 5 * 28}`,
    );
  });

  it('predicts nothing and starts nothing on a skipped first frame', () => {
    const s = state();
    const out = outputsOf([s.offer({ ...scheduled(1), sequence: 0 }, 0, 0)]);
    assert.equal(out[0]!.update!.predicted, true);
    assert.deepEqual(out[0]!.update!.tracks, []);
    assert.deepEqual(out[0]!.events, []);
  });
});
