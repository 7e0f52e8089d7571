import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { codecs, STREAMS, subjects } from '@va/common';
import { type DetectionBatch } from '@va/proto/va/common/v1/detection';
import { Frame, PixelFormat } from '@va/proto/va/common/v1/frame';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';
import { startInference, type InferenceProcess } from './inference-fixture.js';

/** A frame the detection schedule leaves to the tracker: no pixels, no model, published at once. */
const skipped = (sequence: number, previousSequence: number | undefined, captureTsMs = Date.now()): Frame => ({
  ...Frame.fromPartial({
    cameraId: 'cam',
    sequence,
    captureTsMs,
    publishTsMs: captureTsMs,
    streamEpoch: 'e1',
    pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
    width: 416,
    height: 416,
    sourceWidth: 416,
    sourceHeight: 416,
    skipDetection: true,
  }),
  ...(previousSequence !== undefined ? { previousSequence } : {}),
});

describe('inference announces the sequences shed before each DetectionBatch (real NATS, real service)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let svc: InferenceProcess;
  const stored: DetectionBatch[] = [];

  before(async () => {
    nats = await startNatsServer();
    svc = await startInference(nats.url, { VA_INFERENCE_MAX_FRAME_AGE_MS: '10000' });
    nc = await connect(nats.clientOptions());
    // Ingest shed 1 and 2 (frame 3 names 0 as the frame before it); frame 4 is too old and shed
    // here; ingest shed 5 and 6 before frame 7.
    const frames = [skipped(0, undefined), skipped(3, 0), skipped(4, 3, Date.now() - 60_000), skipped(7, 4)];
    for (const f of frames) {
      nc.publish(subjects.frames('cam'), codecs.frame.encode(f));
      // One at a time, so each is taken before the next arrives (the order the announcements depend on).
      await waitFor(
        async () =>
          (await svc.metric('va_inference_frames_received_total', { camera: 'cam' })) === frames.indexOf(f) + 1,
        { timeoutMs: 60_000, what: `frame ${f.sequence} received` },
      );
    }
    await waitFor(async () => (await svc.metric('va_inference_frames_published_total', { camera: 'cam' })) === 3, {
      timeoutMs: 60_000,
      what: 'three batches stored',
    });
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(STREAMS.detections.name);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++)
      stored.push(codecs.detectionBatch.decode((await jsm.streams.getMessage(STREAMS.detections.name, { seq })).data));
  });

  after(async () => {
    await nc?.close();
    await svc?.stop();
    await nats?.dispose();
  });

  it('lists in each batch what ingest shed before its frame (previous_sequence) and what this worker dropped since its last batch', async () => {
    const bySequence = new Map(stored.map((b) => [b.sequence, b.shedSequences]));
    assert.deepEqual(
      [...bySequence.keys()].sort((a, b) => a - b),
      [0, 3, 7],
    );
    assert.deepEqual(bySequence.get(0), []);
    assert.deepEqual(bySequence.get(3), [1, 2]);
    assert.deepEqual(bySequence.get(7), [4, 5, 6], '4 was stale here, 5 and 6 never left ingest');
    assert.equal(await svc.metric('va_inference_frames_dropped_total', { camera: 'cam', reason: 'stale' }), 1);
  });
});
