import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureStreams, jetStreamLimits, STREAMS, type JetStreamLimits, type NatsConnectionHandle } from '@va/common';
import { scrapeMetrics } from '@va/harness/prometheus-text';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';
import {
  batch,
  connectTestNats,
  metricValue,
  person,
  publishBatch,
  startTracking,
  storedUpdates,
  waitForUpdates,
} from '@va/harness/tracking-service';

// An Elasticsearch outage that outlasts the budget: nobody consumes VA_TRACKS while tracking keeps
// publishing into a stream of VA_JS_MAX_BYTES = 1 MiB (the smallest the config allows).
const CAMERA = 'full-1';
const MAX_BYTES = 1024 * 1024;
const limits: JetStreamLimits = jetStreamLimits({
  maxAgeMs: 3600_000,
  maxBytes: MAX_BYTES,
  detectionsMaxBytes: 64 * MAX_BYTES,
  replicas: 1,
  duplicateWindowMs: 120_000,
});
// 40 people standing in a grid: every TrackUpdate is a few KiB, so the stream fills in a few hundred frames.
const crowd = (q: number) =>
  Array.from({ length: 40 }, (_, i) => person(80 + (i % 8) * 150 + (q % 3), 80 + Math.floor(i / 8) * 130));

describe('a full stream refuses, counts and keeps what it holds (real NATS, real tracking process)', () => {
  let server: TestNatsServer;
  let nats: NatsConnectionHandle;
  before(async () => {
    server = await startNatsServer();
    nats = await connectTestNats(server);
    await ensureStreams(nats.jsm, ['detections', 'tracks', 'trackEvents', 'deadLetters'], limits);
  });
  after(async () => {
    await nats?.close();
    await server?.dispose();
  });

  it('deletes nothing stored, counts every refused publish, crosses the 0.8 alert line, and loses no frame once there is room', async () => {
    const svc = await startTracking(server, {
      VA_JS_MAX_BYTES: String(MAX_BYTES),
      VA_JS_DETECTIONS_MAX_BYTES: String(limits.detectionsMaxBytes),
      VA_JS_USAGE_POLL_S: '1',
    });
    const refused = () =>
      metricValue(svc.httpPort, 'va_tracking_jetstream_publish_refused_total', {
        stream: STREAMS.tracks.name,
        reason: 'max_bytes',
      });
    try {
      // Publish frames until tracking's publishes are refused (VA_TRACKS full), at most 3000.
      let frames = 0;
      while ((await refused()) === 0) {
        assert.ok(
          frames < 3000,
          `VA_TRACKS never filled: ${JSON.stringify(await nats.jsm.streams.info(STREAMS.tracks.name).then((i) => i.state))}`,
        );
        for (let k = 0; k < 50; k++, frames++) await publishBatch(nats, batch(CAMERA, frames, crowd(frames)));
        await waitFor(async () => (await refused()) > 0 || (await storedUpdates(nats, CAMERA)).length >= frames - 5, {
          timeoutMs: 60_000,
          what: 'tracking to catch up or be refused',
        });
      }

      // Nothing stored was deleted to make room: the stream still starts at sequence 1 and holds every message it took.
      const tracks = await nats.jsm.streams.info(STREAMS.tracks.name);
      assert.equal(tracks.config.discard, 'new');
      assert.equal(tracks.state.first_seq, 1, `oldest message deleted: ${JSON.stringify(tracks.state)}`);
      assert.equal(tracks.state.messages, tracks.state.last_seq, `messages deleted: ${JSON.stringify(tracks.state)}`);
      assert.ok(tracks.state.bytes <= MAX_BYTES);
      await nats.jsm.streams.getMessage(STREAMS.tracks.name, { seq: 1 });

      // The usage gauge crossed the alert line (JetStreamStreamNearlyFull: >= 0.8).
      await waitFor(
        async () =>
          (await scrapeMetrics(svc.httpPort)).max('va_jetstream_stream_usage_ratio', { stream: STREAMS.tracks.name }) >=
          0.8,
        {
          what: 'va_jetstream_stream_usage_ratio{stream="VA_TRACKS"} >= 0.8',
        },
      );
      // The frames whose tracks were refused are not lost: still unacknowledged in VA_DETECTIONS.
      const held = await nats.jsm.consumers.info(STREAMS.detections.name, `tracking-${CAMERA}`);
      assert.ok(
        held.num_ack_pending + held.num_pending > 0,
        `no frame held back: ${JSON.stringify({ pending: held.num_pending, ackPending: held.num_ack_pending })}`,
      );

      // The operator answers the alert with room: every frame is tracked, none dead-lettered.
      await nats.jsm.streams.update(STREAMS.tracks.name, { ...tracks.config, max_bytes: 64 * MAX_BYTES });
      const updates = await waitForUpdates(nats, CAMERA, frames, 60_000);
      assert.deepEqual(
        updates.map((u) => u.sequence),
        Array.from({ length: frames }, (_, q) => q),
      );
      const metrics = await scrapeMetrics(svc.httpPort);
      assert.equal(metrics.sum('va_tracking_dead_lettered_total'), 0);
      assert.ok(metrics.sum('va_tracking_jetstream_publish_refused_total') >= 1);
    } finally {
      assert.equal(await svc.proc.stop(), 0);
    }
  });
});
