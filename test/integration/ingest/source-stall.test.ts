import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CLIP, startIngest, StreamState, type IngestUnderTest } from '@va/harness/ingest-service';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { startRtspServer, type TestRtspServer } from '@va/harness/rtsp-server';
import { sharedFile } from '@va/harness/shared';

/** A process's start time (clock ticks after boot): with the pid it names one process, pids being reused. */
function startTimeOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19];
  } catch {
    return undefined;
  }
}

describe('a source that stalls (connection open, no frames) is killed and restarted (real RTSP server, real ffmpeg)', () => {
  let nats: TestNatsServer;
  let rtsp: TestRtspServer;
  let ingest: IngestUnderTest;
  before(async () => {
    nats = await startNatsServer();
    rtsp = await startRtspServer(sharedFile(CLIP));
    // ffmpeg's own socket timeout is far away: only ingest's stall watchdog can notice.
    ingest = await startIngest(nats, {
      VA_INGEST_READ_TIMEOUT_MS: '60000',
      VA_INGEST_STALL_TIMEOUT_MS: '2000',
      VA_INGEST_CONNECT_TIMEOUT_MS: '10000',
      VA_INGEST_BACKOFF_INITIAL_MS: '200',
      VA_INGEST_BACKOFF_MAX_MS: '800',
    });
  });
  after(async () => {
    rtsp?.thaw();
    await ingest?.stop();
    await rtsp?.kill();
    await nats?.dispose();
  });

  it('kills the stalled ffmpeg, shows the stall, and resumes when the camera answers again', async () => {
    await ingest.add({ cameraId: 'hung', url: rtsp.url, width: 192, height: 108, targetFps: 5 });
    const running = await ingest.waitFor(
      'hung',
      (s) => s.state === StreamState.STREAM_STATE_RUNNING && s.framesPublished >= 3,
      'running',
    );
    const started = startTimeOf(running.ffmpegPid);
    assert.ok(started, 'ffmpeg runs');
    rtsp.freeze();
    const stalled = await ingest.waitFor('hung', (s) => s.restarts > running.restarts, 'restarted after the stall');
    assert.match(stalled.lastError, /stalled: no frame for 2000 ms/);
    assert.notEqual(startTimeOf(running.ffmpegPid), started, 'the stalled ffmpeg was killed');
    assert.equal(await ingest.metric('va_ingest_stream_state', { camera: 'hung', state: 'running' }), 0);
    rtsp.thaw();
    const back = await ingest.waitFor(
      'hung',
      (s) => s.state === StreamState.STREAM_STATE_RUNNING && s.framesPublished > stalled.framesPublished,
      'running again',
    );
    assert.equal(back.streamEpoch, running.streamEpoch);
  });
});
