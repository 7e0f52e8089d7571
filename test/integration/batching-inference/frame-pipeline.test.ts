import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import sharp from 'sharp';
import { codecs, iou, STREAMS, subjects } from '@va/common';
import { type DetectionBatch } from '@va/proto/va/common/v1/detection';
import { FrameStats, PixelFormat, type Frame } from '@va/proto/va/common/v1/frame';
import { readMotGroundTruth, type GtBox } from '@va/harness/detection-score';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';
import { sharedFile } from '@va/harness/shared';
import { petsJpeg, startInference, type InferenceProcess } from './inference-fixture.js';

const W = 768;
const H = 576;

function frame(cameraId: string, sequence: number, fields: Partial<Frame>): Frame {
  return {
    cameraId,
    sequence,
    captureTsMs: Date.now(),
    sourceWidth: W,
    sourceHeight: H,
    width: W,
    height: H,
    pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG,
    pixels: new Uint8Array(),
    letterbox: undefined,
    stats: FrameStats.fromPartial({ meanLuma: 100 + sequence, lumaStddev: 20, thumbHash: 12345 + sequence }),
    publishTsMs: Date.now(),
    streamEpoch: 'e1',
    skipDetection: false,
    ...fields,
  };
}

async function raw(jpeg: Buffer, width: number, height: number, bgr = false): Promise<Uint8Array> {
  const { data } = await sharp(jpeg).resize(width, height, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  if (bgr) for (let i = 0; i < data.length; i += 3) [data[i], data[i + 2]] = [data[i + 2] as number, data[i] as number];
  return new Uint8Array(data);
}

/** What ingest sends when it letterboxes for the detector: 416x312 picture at the top, 114 below. */
async function letterboxed(jpeg: Buffer): Promise<Uint8Array> {
  const { data } = await sharp(jpeg)
    .resize(416, 312, { fit: 'fill' })
    .extend({ bottom: 104, background: { r: 114, g: 114, b: 114 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

describe('frame pipeline: va.frames.* -> batched detection + embeddings -> DetectionBatch in JetStream (real NATS, real service)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let svc: InferenceProcess;
  let gt: GtBox[];
  const stored: Array<{ id: string; batch: DetectionBatch }> = [];

  before(async () => {
    nats = await startNatsServer();
    svc = await startInference(nats.url, { VA_INFERENCE_MAX_FRAME_AGE_MS: '10000', VA_INFERENCE_CAMERA_QUEUE: '4' });
    nc = await connect(nats.clientOptions());
    gt = readMotGroundTruth(sharedFile('data/mot15/PETS09-S2L1'));

    const frames: Frame[] = [
      frame('cam-a', 0, { pixels: petsJpeg(1) }),
      frame('cam-a', 1, { pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24, pixels: await raw(petsJpeg(100), W, H) }),
      // Ingest scaled this one down to half; boxes must still come back in source pixels.
      frame('cam-b', 0, {
        pixelFormat: PixelFormat.PIXEL_FORMAT_BGR24,
        width: W / 2,
        height: H / 2,
        pixels: await raw(petsJpeg(200), W / 2, H / 2, true),
      }),
      // Already letterboxed to the detector's input by ingest: used as it is.
      frame('cam-b', 1, {
        pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
        width: 416,
        height: 416,
        pixels: await letterboxed(petsJpeg(300)),
        letterbox: { scale: 416 / W, padX: 0, padY: 0 },
      }),
    ];
    for (const f of frames) nc.publish(subjects.frames(f.cameraId), codecs.frame.encode(f));
    // The same frame again (a re-sent frame): stored once thanks to the message id.
    nc.publish(subjects.frames('cam-a'), codecs.frame.encode(frames[0] as Frame));
    // Broken inputs: counted and skipped, never published.
    nc.publish(
      subjects.frames('cam-c'),
      codecs.frame.encode(
        frame('cam-c', 0, { pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24, pixels: new Uint8Array(100) }),
      ),
    );
    nc.publish(
      subjects.frames('cam-d'),
      codecs.frame.encode(frame('cam-d', 0, { pixels: petsJpeg(1), captureTsMs: Date.now() - 60_000 })),
    );
    nc.publish(subjects.frames('cam-e'), new TextEncoder().encode('not a frame'));
    await nc.flush();

    const jsm = await nc.jetstreamManager();
    await waitFor(
      async () =>
        (await svc.metric('va_inference_frames_published_total', { camera: 'cam-b' })) === 2 &&
        (await svc.metric('va_inference_frames_published_total', { camera: 'cam-a' })) === 3,
      {
        timeoutMs: 60_000,
        what: 'frames to be published',
      },
    );
    const info = await jsm.streams.info(STREAMS.detections.name);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(STREAMS.detections.name, { seq });
      stored.push({ id: m.header.get('Nats-Msg-Id'), batch: codecs.detectionBatch.decode(m.data) });
    }
  });

  after(async () => {
    await nc?.close();
    await svc?.stop();
    await nats?.dispose();
  });

  it('stores one DetectionBatch per frame under <camera>:<epoch>:<sequence>, the re-sent frame once', () => {
    assert.deepEqual(stored.map((s) => s.id).sort(), ['cam-a:e1:0', 'cam-a:e1:1', 'cam-b:e1:0', 'cam-b:e1:1']);
  });

  it('passes the frame through: timestamps, size, stats, epoch; says which models ran and how long', () => {
    for (const { batch } of stored) {
      assert.equal(batch.frameWidth, W);
      assert.equal(batch.frameHeight, H);
      assert.equal(batch.streamEpoch, 'e1');
      assert.equal(batch.frameStats?.meanLuma, 100 + batch.sequence);
      assert.equal(batch.frameStats?.thumbHash, 12345 + batch.sequence);
      assert.ok(batch.detectedTsMs >= batch.captureTsMs && batch.captureTsMs > 0);
      assert.ok(batch.inferenceMs > 0);
      assert.deepEqual(batch.detector, { name: 'yolox_nano', version: '1' });
    }
  });

  it('finds the people of every frame in source-frame pixels, whatever form the pixels came in', () => {
    const gtFrame: Record<string, number> = { 'cam-a:0': 1, 'cam-a:1': 100, 'cam-b:0': 200, 'cam-b:1': 300 };
    for (const { batch } of stored) {
      const frameNo = gtFrame[`${batch.cameraId}:${batch.sequence}`] as number;
      const truth = gt.filter((g) => g.frame === frameNo && !g.ignore);
      const people = batch.detections.filter((d) => d.className === 'person' && d.score >= 0.3);
      const found = truth.filter((g) => people.some((d) => iou(d.box as GtBox, g) >= 0.5));
      assert.ok(
        found.length / truth.length >= 0.6,
        `${batch.cameraId}:${batch.sequence}: ${found.length} of ${truth.length} people found`,
      );
    }
  });

  it('attaches an L2-normalised OSNet embedding to each person, computed in the embedder batcher', async () => {
    for (const { batch } of stored) {
      assert.deepEqual(batch.embedder, { name: 'osnet_x0_25_msmt17', version: '1' });
      const people = batch.detections.filter((d) => d.className === 'person' && d.score >= 0.3);
      assert.ok(people.length > 0);
      for (const d of people) {
        assert.equal(d.embedding.length, 512);
        const norm = Math.sqrt(d.embedding.reduce((a, v) => a + v * v, 0));
        assert.ok(Math.abs(norm - 1) < 1e-4);
      }
      for (const d of batch.detections.filter((x) => x.className !== 'person')) assert.equal(d.embedding.length, 0);
    }
    assert.ok(((await svc.metric('va_inference_inference_count_total', { model: 'osnet_x0_25_msmt17' })) ?? 0) > 0);
  });

  it('counts what it dropped, by reason, and skips malformed messages', async () => {
    assert.equal(await svc.metric('va_inference_frames_dropped_total', { camera: 'cam-c', reason: 'invalid' }), 1);
    assert.equal(await svc.metric('va_inference_frames_dropped_total', { camera: 'cam-d', reason: 'stale' }), 1);
    assert.ok(((await svc.metric('va_inference_malformed_messages_total')) ?? 0) >= 1);
    assert.equal(stored.filter((s) => ['cam-c', 'cam-d', 'cam-e'].includes(s.batch.cameraId)).length, 0);
    // Triton-style counters: images inferred vs batches executed, and the provider in use.
    const images = (await svc.metric('va_inference_inference_count_total', { model: 'yolox_nano' })) ?? 0;
    const batches = (await svc.metric('va_inference_execution_count_total', { model: 'yolox_nano' })) ?? 0;
    assert.ok(images >= 5 && batches >= 1 && batches <= images);
    assert.equal(await svc.metric('va_inference_execution_provider', { model: 'yolox_nano', ep: 'cpu' }), 1);
  });
});
