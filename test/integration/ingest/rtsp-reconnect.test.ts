import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLIP, isState, startIngest, StreamState, tapFrames, type IngestUnderTest } from '@va/harness/ingest-service';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { startRtspServer, type TestRtspServer } from '@va/harness/rtsp-server';
import { sharedFile } from '@va/harness/shared';

describe('RTSP source (real GStreamer RTSP server over TCP, real ffmpeg, real NATS)', () => {
  let nats: TestNatsServer;
  let rtsp: TestRtspServer;
  let ingest: IngestUnderTest;
  before(async () => {
    nats = await startNatsServer();
    rtsp = await startRtspServer(sharedFile(CLIP));
    ingest = await startIngest(nats, {
      VA_INGEST_READ_TIMEOUT_MS: '2000',
      VA_INGEST_STALL_TIMEOUT_MS: '3000',
      VA_INGEST_BACKOFF_INITIAL_MS: '200',
      VA_INGEST_BACKOFF_MAX_MS: '1000',
    });
  });
  after(async () => {
    await ingest?.stop();
    await rtsp?.kill();
    await nats?.dispose();
  });

  it('reconnects with back-off when the server dies mid-stream and resumes the same epoch when it returns', async () => {
    const tap = await tapFrames(nats.url, 'gate-rtsp');
    await ingest.add({ cameraId: 'gate-rtsp', url: rtsp.url, targetFps: 5, width: 384, height: 216 });
    const running = await ingest.waitFor(
      'gate-rtsp',
      (s) => s.state === StreamState.STREAM_STATE_RUNNING && s.framesPublished >= 5,
      'running with frames',
    );
    assert.deepEqual([running.sourceWidth, running.sourceHeight], [768, 432]);
    const firstPid = running.ffmpegPid;
    assert.ok(firstPid > 0);

    await rtsp.kill();
    const lost = await ingest.waitFor(
      'gate-rtsp',
      (s) => s.restarts >= running.restarts + 2 && s.state !== StreamState.STREAM_STATE_RUNNING,
      'backing off while the server is down',
    );
    assert.notEqual(lost.lastError, '', 'the reason is visible');
    const publishedWhileDown = lost.framesPublished;
    assert.ok((await ingest.metric('va_ingest_source_restarts_total', { camera: 'gate-rtsp' })) >= 2);

    await rtsp.restart();
    const back = await ingest.waitFor(
      'gate-rtsp',
      (s) => s.state === StreamState.STREAM_STATE_RUNNING && s.framesPublished >= publishedWhileDown + 5,
      'running again',
    );
    assert.notEqual(back.ffmpegPid, firstPid, 'a new ffmpeg');
    assert.equal(back.streamEpoch, running.streamEpoch, 'a reconnect is the same run of the stream');
    await tap.nc.flush();
    await tap.close();
    const seq = tap.frames.map((f) => f.sequence);
    assert.ok(
      seq.every((s, i) => i === 0 || s > (seq[i - 1] ?? -1)),
      'sequence numbers only go up across the reconnect',
    );
    assert.ok(tap.frames.every((f) => f.streamEpoch === running.streamEpoch));
    assert.equal(await ingest.metric('va_ingest_stream_state', { camera: 'gate-rtsp', state: 'running' }), 1);
  });

  it('shows a camera that never answers as backing off with the connection error, not as failed', async () => {
    await rtsp.kill();
    await ingest.add({ cameraId: 'dead-rtsp', url: rtsp.url.replace('/clip', '/none'), width: 320, height: 180 });
    const s = await ingest.waitFor(
      'dead-rtsp',
      (st) => st.restarts >= 1 && isState(StreamState.STREAM_STATE_BACKOFF)(st),
      'backoff',
    );
    assert.match(s.lastError, /refused|Connection|connect/i);
    assert.ok(s.nextAttemptTsMs >= s.stateSinceTsMs);
    await rtsp.restart();
  });

  it('keeps camera credentials out of status and logs', async () => {
    const url = rtsp.url.replace('rtsp://', 'rtsp://admin:hunter22@');
    await ingest.add({ cameraId: 'secret-rtsp', url, width: 160, height: 90, targetFps: 2 });
    const s = await ingest.waitFor('secret-rtsp', (st) => st.framesPublished > 0, 'frames');
    assert.equal(s.spec?.url, rtsp.url.replace('rtsp://', 'rtsp://admin:***@'));
    // ffmpeg names the URL in its errors: those are redacted too.
    await ingest.add({
      cameraId: 'secret-dead',
      url: 'rtsp://admin:hunter22@127.0.0.1:1/live',
      width: 160,
      height: 90,
    });
    const dead = await ingest.waitFor('secret-dead', (st) => st.restarts >= 1, 'failed to connect');
    assert.notEqual(dead.lastError, '');
    assert.ok(!dead.lastError.includes('hunter22'), dead.lastError);
    assert.ok(!ingest.proc.output().includes('hunter22'));
  });
});
