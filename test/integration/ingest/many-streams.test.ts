import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { unary } from '@va/common';
import { startIngest, StreamState, type IngestUnderTest } from '@va/harness/ingest-service';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';
import { startThrottledProxy, type ThrottledProxy } from '@va/harness/throttled-proxy';

const STREAMS = 20;
const MB = 1024 * 1024;

describe(`${STREAMS} concurrent test-pattern streams share the bus fairly (real ffmpeg x${STREAMS}, real NATS)`, () => {
  let nats: TestNatsServer;
  let link: ThrottledProxy;
  let ingest: IngestUnderTest;
  before(async () => {
    nats = await startNatsServer();
    // 20 x 5 fps x 43 kB is about 4.3 MB/s offered to a 1.5 MB/s link: the streams compete for the bus.
    link = await startThrottledProxy(nats.port, 1.5 * MB);
    ingest = await startIngest(
      { ...nats, url: link.url },
      {
        VA_INGEST_BUS_MAX_PENDING_BYTES: String(256 * 1024),
        VA_INGEST_CONNECT_TIMEOUT_MS: '30000',
        VA_INGEST_STALL_TIMEOUT_MS: '30000',
      },
    );
  });
  after(async () => {
    await ingest?.stop();
    await link?.close();
    await nats?.dispose();
  });

  it('gives every stream a fair share of the published frames', async () => {
    const ids = Array.from({ length: STREAMS }, (_, i) => `load-${String(i).padStart(2, '0')}`);
    for (const [i, id] of ids.entries()) {
      const pattern = ['testsrc2', 'smptebars', 'mandelbrot', 'rgbtestsrc'][i % 4];
      await ingest.add({ cameraId: id, url: `testsrc://${pattern}?size=160x90&rate=10`, targetFps: 5 });
    }
    const list = async () => (await unary(ingest.viewer.listStreams.bind(ingest.viewer), {})).streams;
    await waitFor(
      async () => (await list()).every((s) => s.state === StreamState.STREAM_STATE_RUNNING && s.framesPublished > 0),
      { timeoutMs: 60_000, what: 'every stream running' },
    );

    const before = new Map((await list()).map((s) => [s.spec?.cameraId, s.framesPublished]));
    const total = (streams: Awaited<ReturnType<typeof list>>) =>
      streams.reduce((n, s) => n + s.framesPublished - (before.get(s.spec?.cameraId) ?? 0), 0);
    const after = await waitFor(
      async () => {
        const now = await list();
        return total(now) >= STREAMS * 25 ? now : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200, what: `${STREAMS * 25} frames across the streams` },
    );

    const shares = after.map((s) => ({
      id: s.spec?.cameraId,
      published: s.framesPublished - (before.get(s.spec?.cameraId) ?? 0),
      read: s.framesRead,
      dropped: s.framesDropped,
    }));
    const mean = total(after) / STREAMS;
    for (const s of shares) {
      assert.ok(
        s.published >= mean * 0.5 && s.published <= mean * 1.5,
        `${s.id} published ${s.published}, fair share ${mean.toFixed(1)}: ${JSON.stringify(shares)}`,
      );
    }
    assert.ok(
      shares.some((s) => s.dropped > 0),
      'the link was the bottleneck (frames were dropped)',
    );
    assert.ok(
      after.every((s) => s.state === StreamState.STREAM_STATE_RUNNING && s.restarts === 0),
      'no stream stalled or restarted',
    );
  });
});
