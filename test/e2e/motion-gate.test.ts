// The motion gate on a real clip through all five services: ingest holds still frames back from
// the detector (Frame.skip_detection), inference never runs the model on them, tracking predicts
// them, and sanity-check reads none of them as a missed detection.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codecs, STREAMS, subjects } from '@va/common';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { TrackUpdate } from '@va/proto/va/common/v1/track';
import { clipStream } from '@va/harness/pipeline/camera-streams';
import { scrapePipeline } from '@va/harness/pipeline/pipeline-scrape';
import { CLIP } from '@va/harness/ingest-service';
import { readStored } from '@va/harness/tracking-service';
import { cutClip, nothingShedEnv, startWholePipeline, type WholePipeline } from '@va/harness/whole-pipeline';
import { UNDETECTED_FRAME_RULES, waitTrackUpdates } from './published-vs-indexed.js';

const CAMERA = 'lot-gated';
/** The first 4.8 s of the parking-lot clip at its 12.5 fps: cars move, then the lot stands still. */
const FRAMES = 60;

describe('the motion gate through the whole pipeline (real clip, five processes)', () => {
  let w: WholePipeline;
  let batches: DetectionBatch[];
  let updates: TrackUpdate[];

  before(async () => {
    // Nothing may be shed at any hop: the counts below are exact (see detection-schedule.test.ts).
    w = await startWholePipeline('motion-gate', {
      env: nothingShedEnv(FRAMES),
    });
    const clip = await cutClip(w, CLIP, FRAMES, 'lot-first-60');
    // No forced detection within the clip: which frames are gated then depends on the pixels only, not on read speed.
    await w.addStream({
      ...clipStream(CAMERA, clip, { fps: 0, loop: false }),
      motionGate: { enabled: true, pixelThreshold: 0, minChangedShare: 0, forceDetectEveryMs: 3_600_000, masks: [] },
    });
    await w.waitCompleted(CAMERA);
    ({ batches, updates } = await waitTrackUpdates(w.bus, CAMERA, FRAMES, () => w.frameJourney(CAMERA), [
      { stream: STREAMS.detections.name, durable: 'sanity-check-detections' },
      { stream: STREAMS.tracks.name, durable: 'sanity-check-tracks' },
    ]));
  });
  after(async () => {
    await w?.dispose();
  });

  it('runs the detector only on frames with motion, and counts the gated ones', async () => {
    assert.equal(batches.length, FRAMES, `one DetectionBatch per frame; ${await w.frameJourney(CAMERA)}`);
    const skipped = batches.filter((b) => b.skipped).map((b) => b.sequence);
    const detected = FRAMES - skipped.length;
    assert.ok(
      skipped.length > 0 && detected > 5,
      `some frames gated, the settling ones and some moving ones detected: skipped ${skipped.join(',')}`,
    );
    assert.ok(
      skipped.every((s) => s >= 5),
      'the first 5 frames (settling) are detected',
    );

    const { metrics } = await scrapePipeline(w.pipeline);
    assert.equal(
      metrics.ingest?.sum('va_ingest_frames_gated_total', { camera: CAMERA }),
      skipped.length,
      'ingest counted every gated frame',
    );
    const inference = metrics['batching-inference'];
    assert.equal(
      inference?.sum('va_inference_inference_count_total', { model: 'yolox_nano' }),
      detected,
      `the model ran on the detected frames only; ${await w.frameJourney(CAMERA)}`,
    );
    assert.equal(inference?.sum('va_inference_frames_not_detected_total', { camera: CAMERA }), skipped.length);
    assert.equal(metrics.tracking?.sum('va_tracking_predicted_frames_total', { camera: CAMERA }), skipped.length);
  });

  it('publishes a TrackUpdate for every frame, predicted exactly on gated frames, and no detection flag on them', async () => {
    assert.deepEqual(
      updates.map((u) => u.sequence),
      [...Array(FRAMES).keys()],
      'one TrackUpdate per frame, in order',
    );
    const skipped = new Set(batches.filter((b) => b.skipped).map((b) => b.sequence));
    for (const u of updates)
      assert.equal(u.predicted, skipped.has(u.sequence), `frame ${u.sequence}: predicted exactly when gated`);
    const flags = await readStored(w.bus, STREAMS.flags.name, subjects.flags(CAMERA), (b) => codecs.flag.decode(b));
    const onGated = flags.filter((f) => skipped.has(f.sequence) && !UNDETECTED_FRAME_RULES.has(f.rule));
    assert.deepEqual(
      onGated.map((f) => `${f.rule}@${f.sequence}: ${f.message}`),
      [],
      'flags of detection and track rules on gated frames',
    );
  });
});
