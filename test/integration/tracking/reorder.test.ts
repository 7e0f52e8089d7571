import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { waitFor } from '@va/harness/ports';
import {
  batch,
  metricValue,
  person,
  publishBatch,
  storedEvents,
  storedUpdates,
  waitForUpdates,
} from '@va/harness/tracking-service';
import { useTrackingFixture } from '../../helpers/tracking-fixture.js';

const CAMERA = 'platform';
const walk = (q: number) => [person(100 + 10 * q, 300)];

describe('frames are tracked in sequence order with a bounded reorder window (real NATS, real process)', () => {
  const t = useTrackingFixture({ VA_TRACKING_REORDER_WINDOW: '8', VA_TRACKING_GAP_TIMEOUT_MS: '400' });

  it('out-of-order frames come out in order; a missing frame is given up on; it is dropped as late when it finally comes', async () => {
    // Published as inference workers racing each other might: shuffled, and frame 7 very late.
    for (const q of [0, 2, 1, 3, 5, 4, 6, 9, 8, 10, 12, 11]) await publishBatch(t.nats, batch(CAMERA, q, walk(q)));
    const updates = await waitForUpdates(t.nats, CAMERA, 11);
    assert.deepEqual(
      updates.map((u) => u.sequence),
      [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12],
    );
    assert.equal(await metricValue(t.svc.httpPort, 'va_tracking_skipped_frames_total', { camera: CAMERA }), 1);
    assert.equal(
      new Set(updates.flatMap((u) => u.tracks.map((t) => t.trackId))).size,
      1,
      'the gap is bridged by the prediction',
    );

    await publishBatch(t.nats, batch(CAMERA, 7, walk(7)));
    await waitFor(
      async () => (await metricValue(t.svc.httpPort, 'va_tracking_late_frames_total', { camera: CAMERA })) === 1,
      { what: 'late frame counted' },
    );
    assert.equal(
      await metricValue(t.svc.httpPort, 'va_tracking_reorder_drops_total', { camera: CAMERA, reason: 'late' }),
      1,
    );
    await waitFor(
      async () => (await t.nats.jsm.consumers.info('VA_DETECTIONS', `tracking-${CAMERA}`)).num_ack_pending === 0,
      { what: 'late frame acked' },
    );
    assert.equal((await storedUpdates(t.nats, CAMERA)).length, 12, 'no update for the late frame');
  });

  it('a full window skips the gap without waiting for the timeout', async () => {
    // 13 and 14 never come; 15..24 fill the window of 8.
    for (let q = 15; q < 25; q++) await publishBatch(t.nats, batch(CAMERA, q, walk(q)));
    const updates = await waitForUpdates(t.nats, CAMERA, 22);
    assert.deepEqual(
      updates.slice(12).map((u) => u.sequence),
      [15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
    );
    assert.equal(await metricValue(t.svc.httpPort, 'va_tracking_skipped_frames_total', { camera: CAMERA }), 3);
  });

  it('a new stream epoch resets the camera: old tracks end, sequence 0 of the new run starts at once', async () => {
    await publishBatch(t.nats, batch(CAMERA, 0, [person(800, 300)], { epoch: 'epoch-2', tsMs: Date.now() }));
    const updates = await waitForUpdates(t.nats, CAMERA, 23);
    const last = updates.at(-1)!;
    assert.deepEqual([last.streamEpoch, last.sequence], ['epoch-2', 0]);
    const events = await storedEvents(t.nats, CAMERA);
    const ended = events.filter((e) => e.type === TrackEventType.TRACK_EVENT_TYPE_ENDED);
    assert.deepEqual(
      ended.map((e) => [e.reason, e.sequence]),
      [['stream_restart', 24]],
    );
    assert.equal(
      await metricValue(t.svc.httpPort, 'va_tracking_stream_resets_total', { camera: CAMERA, reason: 'stream_epoch' }),
      1,
    );
    assert.notEqual(last.tracks[0]!.trackId, updates.at(-2)!.tracks[0]!.trackId);
  });
});
