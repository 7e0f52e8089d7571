import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import sharp from 'sharp';
import { createClient, iou, unary } from '@va/common';
import { InferenceServiceClient, ModelState, type DetectResponse } from '@va/proto/va/inference/v1/inference';
import { codeOf } from '../../helpers/grpc.js';
import { readMotGroundTruth, type GtBox } from '@va/harness/detection-score';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';
import { sharedFile } from '@va/harness/shared';
import { petsJpeg, shippedConfig, startInference, tempRepository, type InferenceProcess } from './inference-fixture.js';

const YOLOX = 'models/yolox_nano.onnx';
const OSNET = 'models/osnet_x0_25_msmt17.onnx';

describe('gRPC InferenceService: Detect, Embed, ModelStatus, Load/Unload, errors and roles (real gRPC, real service)', () => {
  let nats: TestNatsServer;
  let svc: InferenceProcess;
  let repo: ReturnType<typeof tempRepository>;
  let viewer: InferenceServiceClient;
  let admin: InferenceServiceClient;
  let gt: GtBox[];

  before(async () => {
    nats = await startNatsServer();
    repo = tempRepository([
      { name: 'yolox_nano', config: shippedConfig('yolox_nano'), versions: { '1': YOLOX } },
      { name: 'osnet_x0_25_msmt17', config: shippedConfig('osnet_x0_25_msmt17'), versions: { '1': OSNET } },
      // Requests wait for a batch of 8 that never forms: two fill the queue, then time out.
      {
        name: 'queue_probe',
        config: shippedConfig('yolox_nano', {
          batching: {
            maxBatchSize: 8,
            preferredBatchSizes: [],
            maxQueueDelayMs: 10_000,
            maxQueueSize: 2,
            timeoutMs: 400,
            priorityLevels: 2,
          },
        }),
        versions: { '1': YOLOX },
      },
    ]);
    svc = await startInference(nats.url, {
      VA_INFERENCE_MODEL_REPOSITORY: repo.dir,
      VA_INFERENCE_MODELS: 'queue_probe',
      VA_INFERENCE_PIPELINE: 'false',
      VA_INFERENCE_ROLLOUT_BUCKET: '',
    });
    viewer = svc.client('viewer');
    admin = svc.client('admin');
    gt = readMotGroundTruth(sharedFile('data/mot15/PETS09-S2L1'));
  });

  after(async () => {
    await svc?.stop();
    await nats?.dispose();
    repo?.dispose();
  });

  const detect = (req: Partial<Parameters<InferenceServiceClient['detect']>[0]>, client = viewer) =>
    unary(
      client.detect.bind(client),
      {
        image: new Uint8Array(),
        model: '',
        version: '',
        scoreThreshold: 0,
        cameraId: '',
        withEmbeddings: false,
        ...req,
      },
      { deadlineMs: 30_000 },
    );

  it('Detect finds the people in a JPEG, in its pixels, and reports model, batch and timing', async () => {
    const res: DetectResponse = await detect({ image: petsJpeg(1), cameraId: 'cam-1' });
    assert.deepEqual(res.model, { name: 'yolox_nano', version: '1' });
    assert.equal(res.imageWidth, 768);
    assert.equal(res.imageHeight, 576);
    assert.ok(res.inferenceMs > 0 && res.batchSize >= 1 && res.queueMs >= 0);
    const truth = gt.filter((g) => g.frame === 1 && !g.ignore);
    const people = res.detections.filter((d) => d.className === 'person' && d.score >= 0.3);
    assert.equal(truth.filter((g) => people.some((d) => iou(d.box as GtBox, g) >= 0.5)).length, truth.length);
    assert.equal(res.embedder, undefined);

    const strict = await detect({ image: petsJpeg(1), scoreThreshold: 0.8 });
    assert.ok(strict.detections.length < res.detections.length && strict.detections.every((d) => d.score >= 0.8));
  });

  it('Detect with embeddings attaches a unit vector to every person', async () => {
    const res = await detect({ image: petsJpeg(100), withEmbeddings: true });
    assert.deepEqual(res.embedder, { name: 'osnet_x0_25_msmt17', version: '1' });
    const people = res.detections.filter((d) => d.className === 'person' && d.score >= 0.3);
    assert.ok(people.length >= 3);
    for (const p of people) assert.equal(p.embedding.length, 512);
  });

  it('Embed turns encoded crops, or boxes of one image, into the same vectors', async () => {
    const boxes = gt
      .filter((g) => g.frame === 1 && !g.ignore)
      .slice(0, 2)
      .map((g) => ({ x1: g.x1, y1: g.y1, x2: g.x2, y2: g.y2 }));
    const crops = await Promise.all(
      boxes.map((b) =>
        sharp(petsJpeg(1))
          .extract({
            left: Math.round(b.x1),
            top: Math.round(b.y1),
            width: Math.round(b.x2 - b.x1),
            height: Math.round(b.y2 - b.y1),
          })
          .png()
          .toBuffer(),
      ),
    );
    const res = await unary(
      viewer.embed.bind(viewer),
      { crops, model: '', version: '', sourceImage: petsJpeg(1), boxes },
      { deadlineMs: 30_000 },
    );
    assert.deepEqual(res.model, { name: 'osnet_x0_25_msmt17', version: '1' });
    assert.equal(res.embeddings.length, 4);
    const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * (b[i] as number), 0);
    const v = res.embeddings.map((e) => e.values);
    assert.ok(
      dot(v[0] as number[], v[2] as number[]) > 0.95,
      'a crop sent as PNG and the same box cut by the service agree',
    );
    assert.ok(
      dot(v[0] as number[], v[1] as number[]) < dot(v[0] as number[], v[2] as number[]),
      'two people differ more than one person does',
    );
  });

  it('answers bad input with INVALID_ARGUMENT and unknown models with NOT_FOUND', async () => {
    assert.equal(
      await codeOf(detect({ image: new TextEncoder().encode('this is not a picture') })),
      status.INVALID_ARGUMENT,
    );
    assert.equal(await codeOf(detect({ image: new Uint8Array() })), status.INVALID_ARGUMENT);
    assert.equal(await codeOf(detect({ image: petsJpeg(1), cameraId: 'bad camera id!' })), status.INVALID_ARGUMENT);
    assert.equal(await codeOf(detect({ image: petsJpeg(1), scoreThreshold: 2 })), status.INVALID_ARGUMENT);
    assert.equal(await codeOf(detect({ image: petsJpeg(1), model: 'no_such_model' })), status.NOT_FOUND);
    assert.equal(
      await codeOf(
        unary(viewer.embed.bind(viewer), {
          crops: [],
          model: '',
          version: '',
          sourceImage: new Uint8Array(),
          boxes: [],
        }),
      ),
      status.INVALID_ARGUMENT,
    );
    assert.equal(
      await codeOf(
        unary(viewer.embed.bind(viewer), {
          crops: [new Uint8Array([1, 2, 3])],
          model: '',
          version: '',
          sourceImage: new Uint8Array(),
          boxes: [],
        }),
      ),
      status.INVALID_ARGUMENT,
    );
  });

  it('refuses queued requests beyond the bound (RESOURCE_EXHAUSTED) and times out waiting ones (DEADLINE_EXCEEDED)', async () => {
    const waiting = [
      detect({ image: petsJpeg(1), model: 'queue_probe' }),
      detect({ image: petsJpeg(1), model: 'queue_probe' }),
    ].map(codeOf);
    await waitFor(async () => (await svc.metric('va_inference_queue_depth', { model: 'queue_probe' })) === 2, {
      what: 'two queued requests',
    });
    assert.equal(await codeOf(detect({ image: petsJpeg(1), model: 'queue_probe' })), status.RESOURCE_EXHAUSTED);
    assert.deepEqual(await Promise.all(waiting), [status.DEADLINE_EXCEEDED, status.DEADLINE_EXCEEDED]);
    assert.equal(
      await svc.metric('va_inference_request_failure_total', { model: 'queue_probe', reason: 'queue_full' }),
      1,
    );
    assert.equal(
      await svc.metric('va_inference_request_failure_total', { model: 'queue_probe', reason: 'timeout' }),
      2,
    );
    assert.equal(
      await svc.metric('va_inference_execution_count_total', { model: 'queue_probe' }),
      undefined,
      'nothing reached the model',
    );
  });

  it('ModelStatus shows versions, provider, batching mode and batch statistics', async () => {
    const res = await unary(viewer.modelStatus.bind(viewer), { model: '' });
    const byName = new Map(res.models.map((m) => [m.name, m]));
    const yolox = byName.get('yolox_nano');
    assert.equal(yolox?.state, ModelState.MODEL_STATE_READY);
    assert.equal(yolox?.executionProvider, 'cpu');
    assert.equal(yolox?.batching, 'rewritten');
    assert.equal(yolox?.dynamicBatch, true);
    assert.equal(yolox?.maxBatchSize, 8);
    assert.equal(yolox?.kind, 'detector');
    assert.equal(yolox?.trafficShare, 1);
    assert.ok((yolox?.stats?.inferenceCount ?? 0) >= 3);
    assert.equal(
      Object.values(yolox?.stats?.batchSizeCounts ?? {}).reduce((a, b) => a + b, 0),
      yolox?.stats?.executionCount,
    );
    assert.equal(byName.get('osnet_x0_25_msmt17')?.batching, 'native');
    assert.equal(byName.get('queue_probe')?.stats?.timeoutCount, 2);
    assert.equal(await codeOf(unary(viewer.modelStatus.bind(viewer), { model: 'nope' })), status.NOT_FOUND);
  });

  it('LoadModel and UnloadModel change what is served without a restart (admin only)', async () => {
    assert.equal(
      await codeOf(unary(viewer.unloadModel.bind(viewer), { model: 'queue_probe', version: '' })),
      status.PERMISSION_DENIED,
    );
    const anonymous = createClient(InferenceServiceClient, { address: svc.address });
    assert.equal(await codeOf(unary(anonymous.modelStatus.bind(anonymous), { model: '' })), status.UNAUTHENTICATED);
    anonymous.close();

    await unary(admin.unloadModel.bind(admin), { model: 'queue_probe', version: '' });
    assert.equal(await codeOf(detect({ image: petsJpeg(1), model: 'queue_probe' })), status.NOT_FOUND);
    const loaded = await unary(admin.loadModel.bind(admin), { model: 'queue_probe', version: '1' });
    assert.equal(loaded.status?.state, ModelState.MODEL_STATE_READY);
    assert.equal(
      await codeOf(unary(admin.loadModel.bind(admin), { model: 'queue_probe', version: '9' })),
      status.NOT_FOUND,
    );
    assert.equal(
      await codeOf(unary(admin.loadModel.bind(admin), { model: 'not_in_repo', version: '' })),
      status.NOT_FOUND,
    );
  });
});
