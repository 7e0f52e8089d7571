// A detection schedule (detect_every = 3) on a real clip through all five services: the detector
// runs on one frame in three, tracking publishes a TrackUpdate for every frame (the others
// predicted), sanity-check reads no skipped frame as a missed detection, and everything is indexed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codecs, STREAMS, subjects } from '@va/common';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { TrackUpdate } from '@va/proto/va/common/v1/track';
import { clipStream } from '@va/harness/pipeline/camera-streams';
import { scrapePipeline } from '@va/harness/pipeline/pipeline-scrape';
import { readStored } from '@va/harness/tracking-service';
import {
  cutClip,
  nothingShedEnv,
  PETS09_CLIP,
  startWholePipeline,
  type WholePipeline,
} from '@va/harness/whole-pipeline';
import {
  missing,
  RESULT_KINDS,
  settledResults,
  UNDETECTED_FRAME_RULES,
  waitTrackUpdates,
} from './published-vs-indexed.js';

const CAMERA = 'pets09-every3';
const EVERY = 3;
/** About six seconds of PETS09-S2L1 at its 7 fps; a multiple of EVERY. */
const FRAMES = 45;
const DETECTED = FRAMES / EVERY;

describe('a detection schedule through the whole pipeline (detect_every = 3, real clip, five processes)', () => {
  let w: WholePipeline;
  let batches: DetectionBatch[];
  let updates: TrackUpdate[];

  before(async () => {
    // Nothing may be shed at any hop (see clip-to-search.test.ts): the counts below are exact.
    w = await startWholePipeline('detect-every', {
      env: {
        ...nothingShedEnv(FRAMES),
        // This camera's per-frame detection documents are opted in, to count the skipped ones.
        'embedding-search': { VA_SEARCH_INDEX_DETECTIONS: CAMERA },
      },
    });
    const clip = await cutClip(w, PETS09_CLIP, FRAMES, 'pets09-first-45');
    await w.addStream({ ...clipStream(CAMERA, clip, { fps: 0, loop: false }), detectEvery: EVERY });
    await w.waitCompleted(CAMERA);
    ({ batches, updates } = await waitTrackUpdates(w.bus, CAMERA, FRAMES, () => w.frameJourney(CAMERA), [
      { stream: STREAMS.detections.name, durable: `tracking-${CAMERA}` },
      { stream: STREAMS.detections.name, durable: 'sanity-check-detections' },
      { stream: STREAMS.tracks.name, durable: 'sanity-check-tracks' },
    ]));
  });
  after(async () => {
    await w?.dispose();
  });

  it('runs the detector on one frame in three and never sends the others through its batcher', async () => {
    assert.equal(batches.length, FRAMES, `one DetectionBatch per frame; ${await w.frameJourney(CAMERA)}`);
    const skipped = batches.filter((b) => b.skipped).map((b) => b.sequence);
    const expected = [...Array(FRAMES).keys()].filter((s) => s % EVERY !== 0);
    assert.deepEqual(
      skipped,
      expected,
      'frames 1, 2, 4, 5, ... skipped: the first frame and every third after it detected',
    );
    for (const b of batches.filter((x) => x.skipped)) {
      assert.equal(b.detections.length, 0);
      assert.ok(b.frameStats !== undefined, `skipped frame ${b.sequence} still carries its frame statistics`);
    }
    assert.ok(
      batches.some((b) => !b.skipped && b.detections.length > 0),
      'the detected frames found people',
    );

    const { metrics } = await scrapePipeline(w.pipeline);
    const inference = metrics['batching-inference'];
    assert.ok(inference, 'inference answered /metrics');
    const images = inference.sum('va_inference_inference_count_total', { model: 'yolox_nano' });
    assert.equal(
      images,
      DETECTED,
      `the detector inferred ${images} images for ${FRAMES} frames; ${await w.frameJourney(CAMERA)}`,
    );
    assert.equal(inference.sum('va_inference_frames_not_detected_total', { camera: CAMERA }), FRAMES - DETECTED);
    assert.equal(metrics.tracking?.sum('va_tracking_predicted_frames_total', { camera: CAMERA }), FRAMES - DETECTED);
  });

  it('publishes a TrackUpdate for every frame, those of skipped frames predicted, with identities carried across them', () => {
    assert.deepEqual(
      updates.map((u) => u.sequence),
      [...Array(FRAMES).keys()],
      'one TrackUpdate per frame, in order',
    );
    const skipped = new Set(batches.filter((b) => b.skipped).map((b) => b.sequence));
    for (const u of updates) {
      assert.equal(u.predicted, skipped.has(u.sequence), `frame ${u.sequence}: predicted exactly when skipped`);
      if (u.predicted)
        for (const t of u.tracks)
          assert.equal(t.detectionIndex, -1, `frame ${u.sequence}: ${t.trackId} matched nothing`);
    }
    // A predicted frame carries the tracks of the detected frame before it, none lost or new.
    for (const u of updates.filter((x) => x.predicted)) {
      const before = updates[u.sequence - 1];
      assert.ok(before);
      assert.deepEqual(
        u.tracks.map((t) => `${t.trackId}:${t.state}`),
        before.tracks.map((t) => `${t.trackId}:${t.state}`),
        `frame ${u.sequence} keeps the tracks and states of frame ${before.sequence}`,
      );
    }
    assert.ok(
      updates.some((u) => u.predicted && u.tracks.length > 0),
      'people were tracked through predicted frames',
    );
  });

  it('raises no flag about missed detections, or any detection rule, on a frame nobody detected', async () => {
    const flags = await readStored(w.bus, STREAMS.flags.name, subjects.flags(CAMERA), (b) => codecs.flag.decode(b));
    const predicted = new Set(updates.filter((u) => u.predicted).map((u) => u.sequence));
    const onSkipped = flags.filter((f) => predicted.has(f.sequence) && !UNDETECTED_FRAME_RULES.has(f.rule));
    assert.deepEqual(
      onSkipped.map((f) => `${f.rule}@${f.sequence}: ${f.message}`),
      [],
      'flags of detection and track rules on predicted frames',
    );
  });

  it('indexes every detection batch (opted in), skipped ones marked, and the sampled path of detected points only', async () => {
    const { published, indexed } = await settledResults(w.bus, w.es, w.prefix, CAMERA, {
      detections: true,
      pathIntervalMs: 1_000,
    });
    for (const kind of RESULT_KINDS) {
      assert.deepEqual(
        missing(published[kind], indexed[kind]),
        [],
        `${kind}: every result the policy selects is indexed`,
      );
      assert.deepEqual(missing(indexed[kind], published[kind]), [], `${kind}: nothing else is indexed`);
    }
    const count = async (index: string, field: string) =>
      (
        await w.es.count({
          index: `${w.prefix}-${index}`,
          query: { bool: { filter: [{ term: { camera_id: CAMERA } }, { term: { [field]: true } }] } },
        })
      ).count;
    assert.equal(await count('detections', 'skipped'), FRAMES - DETECTED);
    // Sampled paths prefer detected points: a predicted box is never a first, sampled or last point (no zones here).
    const predictedPoints = updates.filter((u) => u.predicted).reduce((n, u) => n + u.tracks.length, 0);
    assert.ok(predictedPoints > 0, 'tracks were predicted through skipped frames');
    assert.equal(await count('tracks', 'predicted'), 0, `none of the ${predictedPoints} predicted points is indexed`);
  });
});
