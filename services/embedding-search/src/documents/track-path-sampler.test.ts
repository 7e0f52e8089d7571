import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackEvent, TrackEventType, TrackUpdate } from '@va/proto/va/common/v1/track';
import { testMetrics } from '../test-support.js';
import { TrackPathSampler } from './track-path-sampler.js';

const T0 = Date.UTC(2030, 0, 1);

/** Frame `seq` of camera `cam` at 10 fps; tracks matched a detection unless listed in `unmatched`. */
function update(
  seq: number,
  trackIds: string[],
  opts: { predicted?: boolean; unmatched?: string[] } = {},
): TrackUpdate {
  return TrackUpdate.fromPartial({
    cameraId: 'cam',
    streamEpoch: 'e1',
    sequence: seq,
    captureTsMs: T0 + seq * 100,
    predicted: opts.predicted ?? false,
    tracks: trackIds.map((trackId) => ({
      trackId,
      detectionIndex: opts.predicted || opts.unmatched?.includes(trackId) ? -1 : 0,
      box: { x1: seq, y1: 0, x2: seq + 10, y2: 10 },
    })),
  });
}

const ids = (docs: Array<{ id: string }>) => docs.map((d) => d.id);

describe('track path sampler: a point per track per interval, plus first, last and event points', () => {
  it('indexes the first point, then a detected point once the interval has passed, and the last detected point when the track leaves', () => {
    const s = new TrackPathSampler({ intervalMs: 1_000, maxTracks: 100, metrics: testMetrics() });
    const out: string[] = [];
    for (let seq = 0; seq <= 25; seq++) out.push(...ids(s.sample(update(seq, ['a']))));
    assert.deepEqual(out, ['cam:e1:0:a', 'cam:e1:10:a', 'cam:e1:20:a']);
    assert.deepEqual(
      ids(s.sample(update(26, ['b']))),
      ['cam:e1:26:b', 'cam:e1:25:a'],
      'b is new; a left, so its last point',
    );
    assert.equal(s.size, 1);
  });

  it('prefers detected points: predicted frames and unmatched tracks wait for the next detected point', () => {
    const s = new TrackPathSampler({ intervalMs: 1_000, maxTracks: 100, metrics: testMetrics() });
    s.sample(update(0, ['a']));
    for (let seq = 1; seq < 10; seq++) s.sample(update(seq, ['a']));
    assert.deepEqual(ids(s.sample(update(10, ['a'], { predicted: true }))), [], 'due, but predicted');
    assert.deepEqual(ids(s.sample(update(11, ['a'], { unmatched: ['a'] }))), [], 'due, but not matched');
    assert.deepEqual(ids(s.sample(update(12, ['a']))), ['cam:e1:12:a']);
    s.sample(update(13, ['a']));
    s.sample(update(14, ['a'], { predicted: true }));
    assert.deepEqual(
      ids(s.sample(update(15, []))),
      ['cam:e1:13:a'],
      'the last detected point, not the trailing prediction',
    );
  });

  it('writes the held last point at the ENDED event, and a point at zone and line events', () => {
    const metrics = testMetrics();
    const s = new TrackPathSampler({ intervalMs: 1_000, maxTracks: 100, metrics });
    s.sample(update(0, ['a']));
    s.sample(update(3, ['a']));
    const zone = TrackEvent.fromPartial({
      eventId: 'z',
      cameraId: 'cam',
      trackId: 'a',
      type: TrackEventType.TRACK_EVENT_TYPE_ZONE_ENTER,
      sequence: 2,
      tsMs: T0 + 200,
      box: { x1: 1, y1: 2, x2: 3, y2: 4 },
    });
    const zonePoint = s.pointsOf(zone);
    assert.deepEqual(ids(zonePoint), ['cam:e1:2:a'], 'same id as the frame’s own point, epoch from the track');
    assert.deepEqual(zonePoint[0]?.doc.box, { x1: 1, y1: 2, x2: 3, y2: 4 });
    assert.deepEqual(
      ids(
        s.pointsOf(
          TrackEvent.fromPartial({
            eventId: 's',
            cameraId: 'cam',
            trackId: 'a',
            type: TrackEventType.TRACK_EVENT_TYPE_LOST,
            sequence: 3,
            tsMs: T0 + 300,
          }),
        ),
      ),
      [],
    );
    assert.deepEqual(
      ids(
        s.pointsOf(
          TrackEvent.fromPartial({
            eventId: 'x',
            cameraId: 'cam',
            trackId: 'a',
            type: TrackEventType.TRACK_EVENT_TYPE_ENDED,
            sequence: 3,
            tsMs: T0 + 300,
          }),
        ),
      ),
      ['cam:e1:3:a'],
    );
    assert.equal(s.size, 0);
    assert.deepEqual(ids(s.sample(update(4, []))), [], 'an ended track is not ended twice');
  });

  it('never lets an event point overwrite the frame’s own point', () => {
    const s = new TrackPathSampler({ intervalMs: 1_000, maxTracks: 100, metrics: testMetrics() });
    const at = (sequence: number) =>
      TrackEvent.fromPartial({
        eventId: `l${sequence}`,
        cameraId: 'cam',
        trackId: 'a',
        type: TrackEventType.TRACK_EVENT_TYPE_LINE_CROSS,
        sequence,
        tsMs: T0 + sequence * 100,
      });
    s.sample(update(0, ['a']));
    assert.deepEqual(s.pointsOf(at(0)), [], 'already indexed as the first point');
    s.sample(update(1, ['a']));
    const held = s.pointsOf(at(1));
    assert.deepEqual(ids(held), ['cam:e1:1:a']);
    assert.equal(held[0]?.doc.state, 'unspecified', 'the update’s own document, not one built from the event');
    assert.deepEqual(ids(s.sample(update(2, []))), [], 'the held point was written already');
  });

  it('keeps every point with interval 0, and bounds the tracks it holds', async () => {
    const all = new TrackPathSampler({ intervalMs: 0, maxTracks: 100, metrics: testMetrics() });
    assert.deepEqual(ids(all.sample(update(0, ['a', 'b']))), ['cam:e1:0:a', 'cam:e1:0:b']);
    assert.deepEqual(ids(all.sample(update(1, ['a'], { predicted: true }))), ['cam:e1:1:a']);
    const metrics = testMetrics();
    const bounded = new TrackPathSampler({ intervalMs: 1_000, maxTracks: 2, metrics });
    bounded.sample(update(0, ['a', 'b']));
    bounded.sample(update(1, ['a', 'b']));
    assert.deepEqual(
      ids(bounded.sample(update(2, ['a', 'b', 'c']))),
      ['cam:e1:2:c', 'cam:e1:2:a'],
      'the least recently updated track is ended early, its last point written',
    );
    const counts = Object.fromEntries((await metrics.pathPoints.get()).values.map((v) => [v.labels.outcome, v.value]));
    assert.deepEqual(counts, { indexed: 4, deferred: 4 });
  });
});
