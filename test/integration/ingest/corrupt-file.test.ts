import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLIP, fileUrl, isState, startIngest, StreamState, type IngestUnderTest } from '@va/harness/ingest-service';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { sleep } from '@va/harness/ports';
import { sharedFile } from '@va/harness/shared';

describe("corrupt and unsupported files end in FAILED with ffmpeg's reason (real ffmpeg, real NATS)", () => {
  let nats: TestNatsServer;
  let ingest: IngestUnderTest;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'va-ingest-bad-'));
    const clip = readFileSync(sharedFile(CLIP));
    writeFileSync(join(dir, 'truncated.mp4'), clip.subarray(0, Math.floor(clip.length * 0.4)));
    writeFileSync(join(dir, 'random.mp4'), randomBytes(200_000));
    writeFileSync(join(dir, 'notes.txt'), 'not a video\n'.repeat(1000));
    nats = await startNatsServer();
    ingest = await startIngest(nats, { VA_INGEST_FILE_ROOT: dir, VA_INGEST_BACKOFF_INITIAL_MS: '100' });
  });
  after(async () => {
    await ingest?.stop();
    await nats?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a truncated file publishes what decodes, then fails with the partial-file error', async () => {
    await ingest.add({
      cameraId: 'truncated',
      url: fileUrl(join(dir, 'truncated.mp4')),
      targetFps: 5,
      width: 320,
      height: 180,
    });
    const s = await ingest.waitFor('truncated', isState(StreamState.STREAM_STATE_FAILED), 'failed');
    assert.match(s.lastError, /partial file|Invalid data found/);
    assert.ok(s.framesPublished > 10, 'frames before the cut were published');
    assert.equal(await ingest.metric('va_ingest_stream_state', { camera: 'truncated', state: 'failed' }), 1);
  });

  it('random bytes and a text file fail at once with a readable reason', async () => {
    await ingest.add({ cameraId: 'random', url: fileUrl(join(dir, 'random.mp4')), width: 320, height: 180 });
    await ingest.add({ cameraId: 'text', url: fileUrl(join(dir, 'notes.txt')), width: 320, height: 180 });
    const random = await ingest.waitFor('random', isState(StreamState.STREAM_STATE_FAILED), 'failed');
    assert.match(random.lastError, /moov atom not found|Invalid data found when processing input/);
    const text = await ingest.waitFor('text', isState(StreamState.STREAM_STATE_FAILED), 'failed');
    assert.match(text.lastError, /Invalid data|not|no video/i);
    assert.equal(random.framesPublished, 0);
  });

  it('does not crash-loop: a failed file stays failed with no ffmpeg running and no restarts', async () => {
    await sleep(1500);
    for (const id of ['truncated', 'random', 'text']) {
      const s = await ingest.get(id);
      assert.equal(s.state, StreamState.STREAM_STATE_FAILED, id);
      assert.equal(s.restarts, 0, `${id} was not restarted`);
      assert.equal(s.ffmpegPid, 0, `${id} has no ffmpeg left`);
    }
    assert.equal(await ingest.metric('va_ingest_source_restarts_total'), 0);
    assert.equal(
      (await fetch(`http://127.0.0.1:${ingest.httpPort}/readyz`)).status,
      200,
      'the service itself stays ready',
    );
  });
});
