import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import { CLIP, fileUrl, isState, StreamState, tapFrames } from '@va/harness/ingest-service';
import { ingestFixture } from '../../helpers/ingest-fixture.js';
import { sharedFile } from '@va/harness/shared';

// The clip has 377 frames at 12.5 fps (30.16 s). Sampled to 5 fps by keeping the first frame of
// every 0.2 s slot: floor(i / 12.5 * 5) takes 151 distinct values for i = 0..376.
const CLIP_FRAMES_AT_5_FPS = 151;

describe('file source (real ffmpeg, real NATS)', () => {
  const fx = ingestFixture();

  it('publishes every sampled frame of the clip at the target fps, in sequence, then completes', async () => {
    const tap = await tapFrames(fx.nats.url, 'lot-5fps', true);
    const added = await fx.ingest.add({
      cameraId: 'lot-5fps',
      url: fileUrl(sharedFile(CLIP)),
      targetFps: 5,
      width: 384,
      height: 216,
    });
    assert.equal(added.spec?.pixelFormat, PixelFormat.PIXEL_FORMAT_RGB24, 'the default pixel format is filled in');
    const done = await fx.ingest.waitFor('lot-5fps', isState(StreamState.STREAM_STATE_COMPLETED), 'completed', 60_000);
    await tap.nc.flush();
    await tap.close();

    assert.equal(done.framesRead, CLIP_FRAMES_AT_5_FPS);
    assert.equal(done.framesPublished, CLIP_FRAMES_AT_5_FPS, 'nothing dropped on an idle bus');
    assert.equal(done.framesDropped, 0);
    assert.equal(tap.frames.length, CLIP_FRAMES_AT_5_FPS);
    assert.deepEqual(
      tap.frames.map((f) => f.sequence),
      Array.from({ length: CLIP_FRAMES_AT_5_FPS }, (_, i) => i),
    );
    const first = tap.frames[0];
    assert.ok(first);
    assert.equal(first.cameraId, 'lot-5fps');
    assert.equal(first.streamEpoch, done.streamEpoch);
    assert.deepEqual([first.sourceWidth, first.sourceHeight, first.width, first.height], [768, 432, 384, 216]);
    assert.equal(first.pixelFormat, PixelFormat.PIXEL_FORMAT_RGB24);
    assert.equal(first.pixels.byteLength, 384 * 216 * 3);
    assert.equal(first.letterbox, undefined);
    assert.ok(first.captureTsMs > Date.now() - 120_000 && first.captureTsMs <= first.publishTsMs);
    assert.ok(
      tap.frames.every((f, i) => i === 0 || f.captureTsMs >= (tap.frames[i - 1]?.captureTsMs ?? 0)),
      'capture times never go back',
    );
    const stats = first.stats;
    assert.ok(
      stats && stats.meanLuma > 20 && stats.meanLuma < 235 && stats.lumaStddev > 5,
      `a real picture: ${JSON.stringify(stats)}`,
    );
    assert.ok(
      new Set(tap.frames.map((f) => f.stats?.thumbHash)).size > 10,
      'a moving scene gives changing thumbnail hashes',
    );

    assert.equal(
      await fx.ingest.metric('va_ingest_frames_published_total', { camera: 'lot-5fps' }),
      CLIP_FRAMES_AT_5_FPS,
    );
    assert.equal(await fx.ingest.metric('va_ingest_stream_state', { camera: 'lot-5fps', state: 'completed' }), 1);
    assert.ok(
      (await fx.ingest.metric('va_ingest_published_bytes_total', { camera: 'lot-5fps' })) >
        CLIP_FRAMES_AT_5_FPS * 384 * 216 * 3,
    );
  });

  it('letterboxes inside ffmpeg to a model input with grey 114 padding and reports the geometry', async () => {
    const tap = await tapFrames(fx.nats.url, 'lot-lb', true);
    await fx.ingest.add({
      cameraId: 'lot-lb',
      url: fileUrl(sharedFile(CLIP)),
      targetFps: 1,
      width: 416,
      height: 416,
      letterbox: true,
      pixelFormat: PixelFormat.PIXEL_FORMAT_BGR24,
    });
    await fx.ingest.waitFor('lot-lb', isState(StreamState.STREAM_STATE_COMPLETED), 'completed', 60_000);
    await tap.nc.flush();
    await tap.close();
    assert.equal(tap.frames.length, 31, 'one frame per second of a 30.16 s clip');
    const f = tap.frames[5];
    assert.ok(f?.letterbox);
    // 768x432 into 416x416: 416x234 content, 91 rows of padding above and below.
    assert.ok(Math.abs(f.letterbox.scale - 416 / 768) < 1e-6);
    assert.equal(f.letterbox.padX, 0);
    assert.equal(f.letterbox.padY, 91);
    assert.equal(f.pixelFormat, PixelFormat.PIXEL_FORMAT_BGR24);
    const px = (x: number, y: number) => Array.from(f.pixels.subarray((y * 416 + x) * 3, (y * 416 + x) * 3 + 3));
    assert.deepEqual(px(200, 0), [114, 114, 114]);
    assert.deepEqual(px(10, 90), [114, 114, 114], 'last padding row above the picture');
    assert.deepEqual(px(300, 325), [114, 114, 114], 'first padding row below the picture');
    const content = [px(50, 91), px(200, 200), px(400, 324)];
    assert.ok(
      content.some((p) => p.some((v) => v !== 114)),
      'the picture starts right after the padding',
    );
  });
});
