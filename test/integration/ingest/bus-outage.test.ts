import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamState, tapFrames } from '@va/harness/ingest-service';
import { ingestFixture } from '../../helpers/ingest-fixture.js';
import { sleep, waitFor } from '@va/harness/ports';

describe('NATS outage: the camera keeps being read, frames are dropped as disconnected, publishing resumes (real NATS restart)', () => {
  const fx = ingestFixture();

  it('drops and counts while the bus is down, then publishes again in the same epoch', async () => {
    await fx.ingest.add({ cameraId: 'outage', url: 'testsrc://testsrc2?size=320x180&rate=10' });
    const before = await fx.ingest.waitFor('outage', (s) => s.framesPublished >= 10, 'publishing');

    await fx.nats.stop();
    await waitFor(async () => (await fetch(`http://127.0.0.1:${fx.ingest.httpPort}/readyz`)).status === 503, {
      what: 'not ready while NATS is down',
    });
    await sleep(1500);
    const down = await fx.ingest.get('outage');
    assert.equal(down.state, StreamState.STREAM_STATE_RUNNING, 'the source is not touched by a bus outage');
    assert.ok(down.framesRead >= before.framesRead + 10, 'ffmpeg kept being read');
    assert.ok((down.framesDroppedByReason.disconnected ?? 0) >= 5, JSON.stringify(down.framesDroppedByReason));

    await fx.nats.restart();
    await fx.ingest.proc.waitReady(fx.ingest.httpPort);
    const tap = await tapFrames(fx.nats.url, 'outage');
    const back = await fx.ingest.waitFor(
      'outage',
      (s) => s.framesPublished >= down.framesPublished + 10,
      'publishing again',
    );
    await waitFor(() => tap.frames.length >= 3, { what: 'frames on the bus again' });
    await tap.close();
    assert.equal(back.streamEpoch, before.streamEpoch);
    assert.ok(
      tap.frames.every((f) => f.sequence > down.framesRead - 20),
      'no stale frames were queued during the outage',
    );
    assert.ok(
      (await fx.ingest.metric('va_ingest_frames_dropped_total', { camera: 'outage', reason: 'disconnected' })) >= 5,
    );
  });
});
