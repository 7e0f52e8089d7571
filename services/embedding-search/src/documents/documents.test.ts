import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Flag, Severity } from '@va/proto/va/common/v1/flag';
import { TrackEvent, TrackEventType, TrackUpdate } from '@va/proto/va/common/v1/track';
import { receivedBatch } from '../test-support.js';
import { detectionBatchDoc } from './detections.js';
import { flagDoc } from './flags.js';
import { trackEventDoc, trackEventFromDoc } from './track-events.js';
import { trackPointDocs } from './track-points.js';

describe('documents built from bus messages', () => {
  it('have ids derived from the message, so a redelivery overwrites', () => {
    const b = {
      cameraId: 'c',
      sequence: 9,
      captureTsMs: 5,
      streamEpoch: 'run2',
      detections: [{ className: 'person', score: 0.5 }],
    };
    assert.equal(detectionBatchDoc(receivedBatch(b)).id, 'c:run2:9');
    assert.deepEqual(detectionBatchDoc(receivedBatch(b)), detectionBatchDoc(receivedBatch(b)));
    const u = TrackUpdate.fromPartial({
      cameraId: 'c',
      sequence: 9,
      captureTsMs: 5,
      streamEpoch: 'run2',
      tracks: [{ trackId: 'a' }, { trackId: 'b' }],
    });
    assert.deepEqual(
      trackPointDocs(u).map((d) => d.id),
      ['c:run2:9:a', 'c:run2:9:b'],
    );
  });

  it('mark frames the detection schedule skipped, and only those', () => {
    const skipped = detectionBatchDoc(receivedBatch({ cameraId: 'c', sequence: 2, captureTsMs: 5, skipped: true }));
    assert.equal(skipped.doc.skipped, true);
    assert.equal(skipped.doc.count, 0);
    assert.equal(
      detectionBatchDoc(receivedBatch({ cameraId: 'c', sequence: 3, captureTsMs: 5 })).doc.skipped,
      undefined,
    );
    const predicted = trackPointDocs(
      TrackUpdate.fromPartial({
        cameraId: 'c',
        sequence: 2,
        captureTsMs: 5,
        predicted: true,
        tracks: [{ trackId: 'a', detectionIndex: -1 }],
      }),
    );
    assert.equal(predicted[0]?.doc.predicted, true);
    assert.equal(
      trackPointDocs(
        TrackUpdate.fromPartial({ cameraId: 'c', sequence: 3, captureTsMs: 5, tracks: [{ trackId: 'a' }] }),
      )[0]?.doc.predicted,
      undefined,
    );
  });

  it('drop non-finite numbers instead of sending nulls to the mapping', () => {
    const b = receivedBatch({
      cameraId: 'c',
      sequence: 1,
      captureTsMs: 5,
      detections: [{ score: Number.NaN, box: { x1: Number.POSITIVE_INFINITY, y1: 0, x2: 1, y2: 1 } }],
    });
    const det = (detectionBatchDoc(b).doc.detections as Array<Record<string, unknown>>)[0];
    assert.equal(det?.score, undefined);
    assert.equal(det?.box, undefined);
    const f = flagDoc(
      Flag.fromPartial({
        flagId: 'f',
        cameraId: 'c',
        tsMs: 1,
        evidence: { ok: 1, bad: Number.NaN },
        scores: [0.5, Number.NaN],
      }),
    );
    assert.deepEqual(f.doc.evidence, { ok: 1 });
    assert.deepEqual(f.doc.scores, [0.5]);
  });

  it('version flags by their last occurrence, so an older fold cannot overwrite a newer one', () => {
    const f = flagDoc(
      Flag.fromPartial({
        flagId: 'f',
        cameraId: 'c',
        tsMs: 100,
        firstTsMs: 100,
        lastTsMs: 900,
        count: 4,
        severity: Severity.SEVERITY_ACT_NOW,
      }),
    );
    assert.deepEqual(f.version, { value: 900, type: 'external_gte' });
    assert.equal(f.doc.severity, 'act_now');
  });

  it('read track events back as the API message', () => {
    const e = TrackEvent.fromPartial({
      eventId: 'e1',
      cameraId: 'c',
      trackId: 't',
      type: TrackEventType.TRACK_EVENT_TYPE_LINE_CROSS,
      sequence: 3,
      tsMs: 77,
      classId: 1,
      className: 'bicycle',
      box: { x1: 1, y1: 2, x2: 3, y2: 4 },
      lineId: 'l',
      direction: 'out',
      firstSeenTsMs: 70,
    });
    const d = trackEventDoc(e);
    assert.equal(d.doc.type, 'line_cross');
    assert.deepEqual(trackEventFromDoc(JSON.parse(JSON.stringify(d.doc)) as Record<string, unknown>), e);
  });

  it('take the event time from the capture, falling back to later stamps', () => {
    assert.equal(detectionBatchDoc(receivedBatch({ cameraId: 'c', captureTsMs: 0, detectedTsMs: 42 })).tsMs, 42);
    assert.equal(detectionBatchDoc(receivedBatch({ cameraId: 'c' })).tsMs, 0);
  });
});
