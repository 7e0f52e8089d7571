import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient, unary } from '@va/common';
import { TrackEventType, TrackState } from '@va/proto/va/common/v1/track';
import { TrackingServiceClient } from '@va/proto/va/tracking/v1/tracking';
import { waitFor } from '@va/harness/ports';
import {
  batch,
  metricValue,
  person,
  publishBatch,
  storedEvents,
  VIEWER_TOKEN,
  waitForUpdates,
} from '@va/harness/tracking-service';
import { useTrackingFixture } from '../../helpers/tracking-fixture.js';

const CAMERA = 'lobby';

describe('tracking round trip: DetectionBatch in JetStream -> TrackUpdate and TrackEvent out (real NATS, real process)', () => {
  const t = useTrackingFixture({ VA_TRACKING_TRACK_BUFFER: '5' });

  it('tracks a walking person, publishes one TrackUpdate per frame in order, and lifecycle events', async () => {
    // 20 frames with the person, then 10 without: confirmed, lost, ended after 5 frames.
    for (let q = 0; q < 30; q++) await publishBatch(t.nats, batch(CAMERA, q, q < 20 ? [person(200 + 8 * q, 300)] : []));
    const updates = await waitForUpdates(t.nats, CAMERA, 30);
    assert.deepEqual(
      updates.map((u) => u.sequence),
      [...Array(30).keys()],
    );
    const ids = new Set(updates.slice(0, 20).flatMap((u) => u.tracks.map((t) => t.trackId)));
    assert.equal(ids.size, 1, 'one identity while visible');
    const mid = updates[10]!;
    assert.equal(mid.tracks[0]!.state, TrackState.TRACK_STATE_CONFIRMED);
    assert.equal(mid.tracks[0]!.detectionIndex, 0);
    assert.equal(mid.captureTsMs, batch(CAMERA, 10, []).captureTsMs);
    assert.ok(mid.trackedTsMs > 0);
    assert.ok(Math.abs(mid.tracks[0]!.vx - 8) < 1.5, `vx ${mid.tracks[0]!.vx}`);
    assert.equal(updates[22]!.tracks[0]!.state, TrackState.TRACK_STATE_LOST);
    assert.equal(updates[29]!.tracks.length, 0);

    const events = await waitFor(async () => {
      const e = await storedEvents(t.nats, CAMERA);
      return e.some((x) => x.type === TrackEventType.TRACK_EVENT_TYPE_ENDED) ? e : undefined;
    });
    assert.deepEqual(
      events.map((e) => [TrackEventType[e.type], e.sequence]),
      [
        ['TRACK_EVENT_TYPE_STARTED', 0],
        ['TRACK_EVENT_TYPE_LOST', 20],
        ['TRACK_EVENT_TYPE_ENDED', 25],
      ],
    );
    const ended = events[2]!;
    assert.equal(ended.durationMs, 1900);
    assert.ok(Math.abs(ended.pathLengthPx - 152) < 10, `path ${ended.pathLengthPx}`);
    assert.equal(ended.reason, 'expired');
  });

  it('acknowledges every detection once its outputs are stored (no consumer lag) and exports metrics', async () => {
    await waitFor(
      async () => (await t.nats.jsm.consumers.info('VA_DETECTIONS', `tracking-${CAMERA}`)).num_ack_pending === 0,
      { what: 'all acked' },
    );
    const info = await t.nats.jsm.consumers.info('VA_DETECTIONS', `tracking-${CAMERA}`);
    assert.equal(info.num_pending, 0);
    assert.equal(info.delivered.stream_seq, 30);
    assert.equal(await metricValue(t.svc.httpPort, 'va_tracking_frames_processed_total', { camera: CAMERA }), 30);
    assert.equal(await metricValue(t.svc.httpPort, 'va_tracking_tracks_started_total', { camera: CAMERA }), 1);
    assert.equal(
      await metricValue(t.svc.httpPort, 'va_tracking_tracks_ended_total', { camera: CAMERA, reason: 'expired' }),
      1,
    );
    assert.equal(await metricValue(t.svc.httpPort, 'va_tracking_association_seconds_count'), 30);
    assert.equal(await metricValue(t.svc.httpPort, 'va_tracking_capture_to_tracks_seconds_count'), 30);
    assert.equal(await metricValue(t.svc.httpPort, 'va_tracking_owned_cameras'), 1);
    assert.equal(await metricValue(t.svc.httpPort, 'va_tracking_active_tracks', { camera: CAMERA }), 0);
  });

  it('GetTracks returns the latest update; ListCameras shows the camera with its counters', async () => {
    const client = createClient(TrackingServiceClient, { address: t.svc.address, token: VIEWER_TOKEN });
    try {
      const res = await unary(client.getTracks.bind(client), { cameraId: CAMERA }, { deadlineMs: 5_000 });
      assert.equal(res.latest?.sequence, 29);
      const cams = await unary(client.listCameras.bind(client), {}, { deadlineMs: 5_000 });
      assert.equal(cams.partitionCount, 1);
      assert.deepEqual(
        cams.cameras.map((c) => [c.cameraId, c.lastSequence, c.framesProcessed, c.streamEpoch]),
        [[CAMERA, 29, 30, 'epoch-1']],
      );
    } finally {
      client.close();
    }
  });
});
