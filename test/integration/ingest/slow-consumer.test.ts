import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startIngest, StreamState, tapFrames, type IngestUnderTest } from '@va/harness/ingest-service';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { startThrottledProxy, type ThrottledProxy } from '@va/harness/throttled-proxy';

const FRAME_BYTES = 640 * 360 * 3;
const MB = 1024 * 1024;

describe('a bus slower than the camera: newest frame wins, drops counted, memory flat (real NATS over a throttled link)', () => {
  let nats: TestNatsServer;
  let link: ThrottledProxy;
  let ingest: IngestUnderTest;
  before(async () => {
    nats = await startNatsServer();
    link = await startThrottledProxy(nats.port, 2 * MB);
    ingest = await startIngest(
      { ...nats, url: link.url },
      { VA_INGEST_BUS_MAX_PENDING_BYTES: String(4 * MB), VA_INGEST_MAX_FRAME_AGE_MS: '1000' },
    );
  });
  after(async () => {
    await ingest?.stop();
    await link?.close();
    await nats?.dispose();
  });

  it('keeps reading the camera, publishes only fresh frames and counts every drop', async () => {
    const tap = await tapFrames(nats.url, 'busy');
    // 640x360 RGB at 25 fps is about 17 MB/s offered to a 2 MB/s link.
    await ingest.add({ cameraId: 'busy', url: 'testsrc://testsrc2?size=640x360&rate=25' });
    await ingest.waitFor('busy', (s) => s.framesRead >= 50, 'warm-up');
    const rss0 = await ingest.metric('process_resident_memory_bytes');
    const start = await ingest.get('busy');

    // Enough frames that an unbounded queue would have grown by hundreds of MB.
    const end = await ingest.waitFor('busy', (s) => s.framesRead >= start.framesRead + 350, '350 more frames', 120_000);
    const rss1 = await ingest.metric('process_resident_memory_bytes');
    const read = end.framesRead - start.framesRead;
    const published = end.framesPublished - start.framesPublished;
    const dropped = end.framesDropped - start.framesDropped;
    const excessMb = ((read - published) * FRAME_BYTES) / MB;

    assert.equal(end.state, StreamState.STREAM_STATE_RUNNING);
    assert.ok(
      published > 0 && published < read / 2,
      `the link limits publishing (read ${read}, published ${published})`,
    );
    assert.ok(excessMb > 150, `the test offered far more than the link carries (${excessMb.toFixed(0)} MB dropped)`);
    assert.ok(
      end.framesRead - end.framesPublished - end.framesDropped <= 2,
      'at most the held frame is neither published nor dropped',
    );
    assert.ok(dropped >= read - published - 2);
    assert.ok((end.framesDroppedByReason.bus_backpressure ?? 0) > 0, JSON.stringify(end.framesDroppedByReason));
    assert.ok(
      (await ingest.metric('va_ingest_frames_dropped_total', { camera: 'busy' })) >= end.framesDropped,
      'the metric counts the same drops (read a moment later)',
    );
    assert.ok(
      (await ingest.metric('va_ingest_frames_dropped_total', { camera: 'busy', reason: 'bus_backpressure' })) > 0,
    );
    const growthMb = (rss1 - rss0) / MB;
    assert.ok(
      growthMb < 48,
      `RSS grew ${growthMb.toFixed(1)} MB while ${excessMb.toFixed(0)} MB of frames were dropped`,
    );
    assert.ok(
      (await ingest.metric('va_ingest_bus_pending_bytes')) <= 4 * MB + FRAME_BYTES,
      'the unconfirmed window stays bounded',
    );

    await tap.nc.flush();
    await tap.close();
    assert.ok(tap.frames.length > 0);
    const ages = tap.frames.map((f) => f.publishTsMs - f.captureTsMs);
    assert.ok(
      Math.max(...ages) <= 1000,
      `published frames are fresh, stale ones were dropped (max age ${Math.max(...ages)} ms)`,
    );
    const seq = tap.frames.map((f) => f.sequence);
    assert.ok(
      seq.some((s, i) => i > 0 && s - (seq[i - 1] ?? 0) > 1),
      'gaps in the sequence show the dropped frames',
    );
  });
});
