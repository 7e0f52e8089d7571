import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileUrl, isState, StreamState, tapFrames } from '@va/harness/ingest-service';
import { ingestFixture } from '../../helpers/ingest-fixture.js';

// A lossless clip made by ffmpeg: 40 frames at 5 fps of a grey 320x180 picture with a white 40x40
// block that stands still at x = 20 for 4 s (frames 0..20; frame 20 is at t = 4 s, still at x = 20)
// and then moves 12 px a frame (frames 21..39).
const FRAMES = 40;
const FIRST_MOVING = 21;
const SETTLE_FRAMES = 5;
/** The forced detection never falls due within the clip, however slowly it is read. */
const NEVER_FORCED_MS = 3_600_000;

const dir = mkdtempSync(join(tmpdir(), 'va-motion-gate-'));
const clip = join(dir, 'still-then-moving.mkv');
function makeClip(): void {
  const made = spawnSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `color=c=0x505050:s=320x180:r=5:d=${FRAMES / 5}`,
      '-f',
      'lavfi',
      '-i',
      `color=c=white:s=40x40:r=5:d=${FRAMES / 5}`,
      '-filter_complex',
      "[0][1]overlay=x='if(lt(t,4),20,20+(t-4)*60)':y=70:eval=frame",
      '-c:v',
      'ffv1',
      clip,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(made.status, 0, `ffmpeg made the clip: ${made.stderr}`);
}

const gate = (masks: { points: { x: number; y: number }[] }[] = []) => ({
  enabled: true,
  pixelThreshold: 0,
  minChangedShare: 0,
  forceDetectEveryMs: NEVER_FORCED_MS,
  masks,
});

describe('motion gate (real ffmpeg, real NATS, a still-then-moving clip)', () => {
  const fx = ingestFixture(() => {
    makeClip();
    return { VA_INGEST_FILE_ROOT: dir };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(cameraId: string, spec: object) {
    const tap = await tapFrames(fx.nats.url, cameraId);
    await fx.ingest.add({ cameraId, url: fileUrl(clip), ...spec });
    const done = await fx.ingest.waitFor(cameraId, isState(StreamState.STREAM_STATE_COMPLETED), 'completed', 60_000);
    await tap.nc.flush();
    await tap.close();
    assert.equal(done.framesPublished, FRAMES, `every frame published on an idle bus: ${JSON.stringify(done)}`);
    assert.deepEqual(
      tap.frames.map((f) => f.sequence),
      [...Array(FRAMES).keys()],
    );
    const skipped = tap.frames.filter((f) => f.skipDetection).map((f) => f.sequence);
    return { done, skipped };
  }

  it('marks the still part skip_detection after the background settles, detects the moving part, and counts gated frames', async () => {
    const { done, skipped } = await run('gated', { motionGate: gate() });
    const still = [...Array(FIRST_MOVING).keys()].filter((s) => s >= SETTLE_FRAMES);
    assert.deepEqual(
      skipped,
      still,
      'frames 5..20 (still, settled) skipped; 0..4 (settling) and 21..39 (moving) detected',
    );
    assert.equal(done.framesGated, still.length);
    assert.equal(await fx.ingest.metric('va_ingest_frames_gated_total', { camera: 'gated' }), still.length);
    assert.equal(
      done.spec?.motionGate?.pixelThreshold,
      25,
      'the reported spec states the service default it runs with',
    );
  });

  it('ignores motion inside a mask: the moving block is masked, so every settled frame is gated', async () => {
    const band = [
      { x: 0, y: 0.3 },
      { x: 1, y: 0.3 },
      { x: 1, y: 0.7 },
      { x: 0, y: 0.7 },
    ];
    const { done, skipped } = await run('masked', { motionGate: gate([{ points: band }]) });
    assert.deepEqual(
      skipped,
      [...Array(FRAMES).keys()].filter((s) => s >= SETTLE_FRAMES),
    );
    assert.equal(await fx.ingest.metric('va_ingest_frames_gated_total', { camera: 'masked' }), done.framesGated);
  });

  it('is off by default: every frame is detected', async () => {
    const { done, skipped } = await run('ungated', {});
    assert.deepEqual(skipped, []);
    assert.equal(done.framesGated, 0);
    assert.equal(done.spec?.motionGate?.enabled, false);
  });
});
