import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import { CLIP, startIngest, StreamState, tapFrames, type IngestUnderTest } from '@va/harness/ingest-service';
import { jpegsFromClip, startMjpegServer, type TestMjpegServer } from '@va/harness/mjpeg-server';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { sharedFile } from '@va/harness/shared';

describe('HTTP MJPEG source (real HTTP server with ffmpeg-made JPEGs, real ffmpeg, real NATS)', () => {
  let nats: TestNatsServer;
  let camera: TestMjpegServer;
  let ingest: IngestUnderTest;
  before(async () => {
    nats = await startNatsServer();
    camera = await startMjpegServer(
      jpegsFromClip(sharedFile(CLIP), { seconds: 4, fps: 10, width: 640, height: 360 }),
      10,
    );
    ingest = await startIngest(nats, { VA_INGEST_BACKOFF_INITIAL_MS: '200', VA_INGEST_BACKOFF_MAX_MS: '1000' });
  });
  after(async () => {
    await ingest?.stop();
    await camera?.close();
    await nats?.dispose();
  });

  it('decodes the multipart stream and publishes frames at the source size', async () => {
    assert.ok(camera.jpegs.length >= 30, 'the test camera has real JPEGs');
    const tap = await tapFrames(nats.url, 'door-mjpeg', true);
    await ingest.add({ cameraId: 'door-mjpeg', url: camera.url, targetFps: 5 });
    const s = await ingest.waitFor(
      'door-mjpeg',
      (st) => st.state === StreamState.STREAM_STATE_RUNNING && st.framesPublished >= 10,
      '10 frames',
    );
    await tap.nc.flush();
    await tap.close();
    assert.deepEqual([s.sourceWidth, s.sourceHeight, s.width, s.height], [640, 360, 640, 360]);
    assert.ok(tap.frames.length >= 10);
    const f = tap.frames[3];
    assert.ok(f);
    assert.equal(f.pixelFormat, PixelFormat.PIXEL_FORMAT_RGB24);
    assert.equal(f.pixels.byteLength, 640 * 360 * 3);
    assert.ok((f.stats?.lumaStddev ?? 0) > 5, 'a real picture, not a blank one');
    assert.deepEqual(tap.frames.map((x) => x.sequence).slice(0, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('publishes JPEG frames when asked, which decode to the stream size', async () => {
    const tap = await tapFrames(nats.url, 'door-jpeg', true);
    await ingest.add({
      cameraId: 'door-jpeg',
      url: camera.url,
      targetFps: 5,
      width: 320,
      height: 180,
      pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG,
      jpegQuality: 70,
    });
    await ingest.waitFor('door-jpeg', (st) => st.framesPublished >= 3, '3 frames');
    await tap.nc.flush();
    await tap.close();
    const f = tap.frames[1];
    assert.ok(f);
    assert.equal(f.pixelFormat, PixelFormat.PIXEL_FORMAT_JPEG);
    assert.deepEqual([f.pixels[0], f.pixels[1]], [0xff, 0xd8], 'a JPEG');
    const { default: sharp } = await import('sharp');
    const meta = await sharp(f.pixels).metadata();
    assert.deepEqual([meta.width, meta.height], [320, 180]);
    assert.ok(f.pixels.byteLength < (320 * 180 * 3) / 4, 'much smaller than raw');
    assert.ok((f.stats?.meanLuma ?? 0) > 0, 'stats come from the raw pixels before encoding');
  });

  it('restarts a source that answers garbage instead of video, with the reason visible', async () => {
    await ingest.add({ cameraId: 'login-page', url: camera.garbageUrl, width: 320, height: 180 });
    const s = await ingest.waitFor('login-page', (st) => st.restarts >= 2, 'restarted twice');
    assert.notEqual(s.state, StreamState.STREAM_STATE_RUNNING);
    assert.notEqual(s.state, StreamState.STREAM_STATE_FAILED, 'a live source is retried, not given up');
    assert.match(s.lastError, /Invalid data|invalid|no video/i);
    assert.equal(s.framesPublished, 0);
  });
});
