import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { connect, type NatsConnection } from 'nats';
import sharp from 'sharp';
import { codecs, subjects, unary } from '@va/common';
import { Frame, PixelFormat } from '@va/proto/va/common/v1/frame';
import type { InferenceServiceClient } from '@va/proto/va/inference/v1/inference';
import { claimDimensions, solidImage } from '../../../services/batching-inference/src/test-support/image-bombs.js';
import { codeOf, outcomeOf } from '../../helpers/grpc.js';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';
import { petsJpeg, shippedConfig, startInference, tempRepository, type InferenceProcess } from './inference-fixture.js';

const YOLOX = 'models/yolox_nano.onnx';
const OSNET = 'models/osnet_x0_25_msmt17.onnx';
const MIB = 1024 * 1024;

describe('decompression bombs: headers checked before decoding, decoded bytes bounded per request and per service (real service, real NATS)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let svc: InferenceProcess;
  let repo: ReturnType<typeof tempRepository>;
  let viewer: InferenceServiceClient;

  before(async () => {
    nats = await startNatsServer();
    repo = tempRepository([
      { name: 'yolox_nano', config: shippedConfig('yolox_nano'), versions: { '1': YOLOX } },
      { name: 'osnet_x0_25_msmt17', config: shippedConfig('osnet_x0_25_msmt17'), versions: { '1': OSNET } },
      // Requests wait for a batch of 8 that does not form: they hold their decoded pixels meanwhile.
      {
        name: 'queue_probe',
        config: shippedConfig('yolox_nano', {
          batching: {
            maxBatchSize: 8,
            preferredBatchSizes: [],
            maxQueueDelayMs: 10_000,
            maxQueueSize: 4,
            timeoutMs: 600_000,
            priorityLevels: 2,
          },
        }),
        versions: { '1': YOLOX },
      },
    ]);
    // Default caps (4096x4096 frames, 2048x2048 crops, 128 MiB per request); the service-wide budget is one request's worth.
    svc = await startInference(nats.url, {
      VA_INFERENCE_MODEL_REPOSITORY: repo.dir,
      VA_INFERENCE_MODELS: 'queue_probe',
      VA_INFERENCE_ROLLOUT_BUCKET: '',
      VA_INFERENCE_MAX_FRAME_AGE_MS: '0',
      VA_INFERENCE_MAX_DECODED_BYTES_IN_FLIGHT: String(128 * MIB),
    });
    viewer = svc.client('viewer');
    nc = await connect(nats.clientOptions());
  });

  after(async () => {
    await nc?.close();
    await svc?.stop();
    await nats?.dispose();
    repo?.dispose();
  });

  const embed = (crops: Uint8Array[], signal?: AbortSignal) =>
    unary(
      viewer.embed.bind(viewer),
      { crops, model: '', version: '', sourceImage: new Uint8Array(), boxes: [] },
      { deadlineMs: 60_000, ...(signal ? { signal } : {}) },
    );
  const detect = (image: Uint8Array, model = '', signal?: AbortSignal) =>
    unary(
      viewer.detect.bind(viewer),
      { image, model, version: '', scoreThreshold: 0, cameraId: '', withEmbeddings: false },
      { deadlineMs: 60_000, ...(signal ? { signal } : {}) },
    );
  const rejections = async (source: string, reason: string) =>
    (await svc.metric('va_inference_image_rejections_total', { source, reason })) ?? 0;

  it('answers a bomb in Embed or Detect with INVALID_ARGUMENT naming the image and the cap, and keeps serving', async () => {
    const webp = claimDimensions(await solidImage('webp'), 10_000, 10_000);
    assert.ok(webp.length <= 64, `a ${webp.length}-byte WebP that decodes to 300 MB`);
    const crop = (await sharp(petsJpeg(1))
      .extract({ left: 300, top: 100, width: 60, height: 150 })
      .png()
      .toBuffer()) as Uint8Array;
    const bombs: Array<[string, Buffer, RegExp]> = [
      ['webp', webp, /crops\[1\] is 10000x10000 \(100000000 pixels\); at most 4194304 pixels are accepted/],
      [
        'png',
        claimDimensions(await solidImage('png'), 20_000, 15_000),
        /crops\[1\] is 20000x15000 \(300000000 pixels\); at most 4194304/,
      ],
      ['jpeg', claimDimensions(await solidImage('jpeg'), 20_000, 15_000), /crops\[1\] is 20000x15000/],
    ];
    for (const [format, bomb, message] of bombs) {
      const res = await outcomeOf(embed([crop, bomb]));
      assert.equal(res.code, status.INVALID_ARGUMENT, `${format}: ${res.details}`);
      assert.match(res.details, message);
    }
    const frameBomb = await outcomeOf(detect(claimDimensions(await solidImage('jpeg'), 20_000, 15_000)));
    assert.equal(frameBomb.code, status.INVALID_ARGUMENT, frameBomb.details);
    assert.match(frameBomb.details, /image is 20000x15000 \(300000000 pixels\); at most 16777216/);
    const gif = await outcomeOf(
      embed([
        await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
          .gif()
          .toBuffer(),
      ]),
    );
    assert.equal(gif.code, status.INVALID_ARGUMENT);
    assert.match(gif.details, /crops\[0\] is not a JPEG, PNG or WebP file/);

    assert.equal(await rejections('embed', 'too_many_pixels'), 3);
    assert.equal(await rejections('detect', 'too_many_pixels'), 1);
    assert.equal(await rejections('embed', 'unknown_format'), 1);
    assert.equal((await embed([crop])).embeddings[0]?.values.length, 512, 'the service still embeds');
    assert.equal(await svc.metric('va_inference_decoded_bytes_in_flight'), 0);
  });

  it('refuses an Embed whose allowed crops add up to more than a request may decode (INVALID_ARGUMENT: split the call)', async () => {
    const large = await solidImage('png', 2048, 2048); // 12 MiB decoded, the most a crop may be
    const res = await outcomeOf(embed(Array.from({ length: 11 }, () => large)));
    assert.equal(res.code, status.INVALID_ARGUMENT, res.details);
    assert.match(
      res.details,
      /the request's 11 images decode to 132\.0 MiB of pixels; one request may decode at most 128\.0 MiB, so send fewer or smaller images per call/,
    );
    assert.equal(await rejections('embed', 'request_too_large'), 1);
  });

  it('answers RESOURCE_EXHAUSTED "try again" while the service-wide budget is held, and serves the same call once it is returned', async () => {
    const frame4k = await solidImage('jpeg', 4096, 4096); // 48 MiB decoded
    const crops = Array.from({ length: 3 }, () => solidImage('png', 2048, 2048));
    const three = await Promise.all(crops); // 36 MiB: fits a request, not beside two queued 4K frames
    const attempts: string[] = [];
    // The holders run after maxQueueDelayMs (10 s); should the machine stall that long, hold again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const cancel = new AbortController();
      const holders = [
        detect(frame4k, 'queue_probe', cancel.signal),
        detect(frame4k, 'queue_probe', cancel.signal),
      ].map(codeOf);
      await waitFor(async () => (await svc.metric('va_inference_decoded_bytes_in_flight')) === 96 * MIB, {
        what: 'two decoded 4096x4096 frames held in the queue',
      });
      const res = await outcomeOf(embed(three));
      cancel.abort();
      await Promise.all(holders);
      attempts.push(`${res.code}: ${res.details}`);
      if (res.code === 'OK') continue;
      assert.equal(res.code, status.RESOURCE_EXHAUSTED, res.details);
      assert.match(
        res.details,
        /would decode to 36\.0 MiB, but 96\.0 MiB of the service's 128\.0 MiB decoding budget are in use; try again shortly/,
      );
      break;
    }
    assert.ok(
      attempts.some((a) => a.startsWith(String(status.RESOURCE_EXHAUSTED))),
      `never refused while held: ${attempts.join('; ')}`,
    );
    assert.ok((await rejections('embed', 'decode_budget')) >= 1);
    await waitFor(async () => (await svc.metric('va_inference_decoded_bytes_in_flight')) === 0, {
      what: 'the cancelled calls to return their bytes',
    });
    assert.equal((await embed(three)).embeddings.length, 3);
    assert.equal(await svc.metric('va_inference_decoded_bytes_in_flight'), 0);
  });

  it('drops a bomb JPEG frame from the bus (too_large), counts it, stays ready and detects the next normal frame', async () => {
    const camera = 'cam-bomb';
    const frame = (sequence: number, f: Partial<Frame>) =>
      codecs.frame.encode(
        Frame.fromPartial({
          cameraId: camera,
          sequence,
          captureTsMs: Date.now(),
          pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG,
          streamEpoch: 'e1',
          ...f,
        }),
      );
    nc.publish(
      subjects.frames(camera),
      frame(0, { width: 20_000, height: 15_000, pixels: claimDimensions(await solidImage('jpeg'), 20_000, 15_000) }),
    );
    nc.publish(
      subjects.frames(camera),
      frame(1, {
        width: 20_000,
        height: 15_000,
        pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
        pixels: new Uint8Array(64),
      }),
    );
    await nc.flush();
    await waitFor(
      async () => (await svc.metric('va_inference_frames_dropped_total', { camera, reason: 'too_large' })) === 2,
      { what: 'both oversized frames dropped as too_large' },
    );
    assert.equal(await rejections('frame', 'too_many_pixels'), 2);

    nc.publish(subjects.frames(camera), frame(2, { width: 768, height: 576, pixels: petsJpeg(1) }));
    await nc.flush();
    await waitFor(async () => (await svc.metric('va_inference_frames_published_total', { camera })) === 1, {
      timeoutMs: 60_000,
      what: 'the next normal frame published',
    });
    const ready = await fetch(`http://127.0.0.1:${svc.httpPort}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(await svc.metric('va_inference_frames_dropped_total', { camera, reason: 'invalid' }), undefined);
  });
});
