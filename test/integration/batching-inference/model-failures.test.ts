import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import sharp from 'sharp';
import { unary } from '@va/common';
import { ModelState, type InferenceServiceClient, type ModelVersionStatus } from '@va/proto/va/inference/v1/inference';
import { editGraph } from '@va/batching-inference/onnx';
import { codeOf } from '../../helpers/grpc.js';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { sharedFile } from '@va/harness/shared';
import { petsJpeg, shippedConfig, startInference, tempRepository, type InferenceProcess } from './inference-fixture.js';

const YOLOX = 'models/yolox_nano.onnx';
const OSNET = 'models/osnet_x0_25_msmt17.onnx';

/** yolox_nano whose output is multiplied by NaN: every run is poisoned. */
function alwaysNaN(yolox: Uint8Array): Uint8Array {
  return editGraph(yolox, {
    rename: [{ from: 'output', to: 'output__raw' }],
    append: [{ opType: 'Mul', inputs: ['output__raw', 'nan'], outputs: ['output'] }],
    initializers: [{ name: 'nan', type: 'float32', dims: [], values: [NaN] }],
    outputs: [{ name: 'output', type: 'float32', dims: [1, 3549, 85] }],
  });
}

/** yolox_nano that produces NaN only for images whose mean pixel is above 200 (a white picture). */
function nanWhenBright(yolox: Uint8Array): Uint8Array {
  return editGraph(yolox, {
    rename: [{ from: 'output', to: 'output__raw' }],
    append: [
      {
        opType: 'ReduceMean',
        inputs: ['images'],
        outputs: ['mean'],
        attributes: { axes: { ints: [1, 2, 3] }, keepdims: { i: 1 } },
      },
      { opType: 'Sub', inputs: ['limit', 'mean'], outputs: ['headroom'] },
      { opType: 'Sqrt', inputs: ['headroom'], outputs: ['root'] }, // NaN when the mean is above the limit
      { opType: 'Mul', inputs: ['root', 'zero'], outputs: ['poison'] },
      { opType: 'Squeeze', inputs: ['poison'], outputs: ['poison3'], attributes: { axes: { ints: [3] } } },
      { opType: 'Add', inputs: ['output__raw', 'poison3'], outputs: ['output'] },
    ],
    initializers: [
      { name: 'limit', type: 'float32', dims: [], values: [200] },
      { name: 'zero', type: 'float32', dims: [], values: [0] },
    ],
    outputs: [{ name: 'output', type: 'float32', dims: [1, 3549, 85] }],
  });
}

describe('broken models give clear errors and the service keeps serving the others (real service, real models)', () => {
  let nats: TestNatsServer;
  let svc: InferenceProcess;
  let repo: ReturnType<typeof tempRepository>;
  let viewer: InferenceServiceClient;
  let admin: InferenceServiceClient;
  let models: Map<string, ModelVersionStatus>;

  before(async () => {
    nats = await startNatsServer();
    const yolox = new Uint8Array(readFileSync(sharedFile(YOLOX)));
    const osnet = shippedConfig('osnet_x0_25_msmt17');
    repo = tempRepository([
      { name: 'yolox_nano', config: shippedConfig('yolox_nano'), versions: { '1': YOLOX } },
      { name: 'osnet_x0_25_msmt17', config: osnet, versions: { '1': OSNET } },
      { name: 'truncated', config: shippedConfig('yolox_nano'), versions: { '1': yolox.subarray(0, 100_000) } },
      {
        name: 'not_onnx',
        config: shippedConfig('yolox_nano'),
        versions: { '1': new TextEncoder().encode('{"this": "is not a model"}\n') },
      },
      {
        name: 'wrong_size',
        config: shippedConfig('yolox_nano', { input: { width: 320, height: 320 } }),
        versions: { '1': YOLOX },
      },
      { name: 'nan_always', config: shippedConfig('yolox_nano'), versions: { '1': alwaysNaN(yolox) } },
      {
        name: 'nan_when_bright',
        config: shippedConfig('yolox_nano', { batching: { maxBatchSize: 1, preferredBatchSizes: [] } }),
        versions: { '1': nanWhenBright(yolox) },
      },
      { name: 'cuda_only', config: { ...osnet, executionProviders: ['cuda'] }, versions: { '1': OSNET } },
      {
        name: 'gpu_first',
        config: { ...osnet, executionProviders: ['tensorrt', 'cuda', 'webgpu', 'cpu'] },
        versions: { '1': OSNET },
      },
      { name: 'missing_file', config: { ...osnet, sources: { '1': 'models/does-not-exist.onnx' } }, versions: {} },
    ]);
    svc = await startInference(nats.url, {
      VA_INFERENCE_MODEL_REPOSITORY: repo.dir,
      VA_INFERENCE_MODELS: 'truncated,not_onnx,wrong_size,nan_always,nan_when_bright,cuda_only,gpu_first,missing_file',
      // Each model's own provider list applies (the shipped ones start with tensorrt, cuda, webgpu).
      VA_INFERENCE_EXECUTION_PROVIDERS: '',
      VA_INFERENCE_PIPELINE: 'true',
      VA_INFERENCE_ROLLOUT_BUCKET: '',
    });
    viewer = svc.client('viewer');
    admin = svc.client('admin');
    models = new Map((await unary(viewer.modelStatus.bind(viewer), { model: '' })).models.map((m) => [m.name, m]));
  });

  after(async () => {
    await svc?.stop();
    await nats?.dispose();
    repo?.dispose();
  });

  const detect = (model: string, image: Uint8Array) =>
    unary(
      viewer.detect.bind(viewer),
      { image, model, version: '', scoreThreshold: 0, cameraId: '', withEmbeddings: false },
      { deadlineMs: 30_000 },
    );

  const expectUnavailable = (name: string, reason: RegExp) => {
    const m = models.get(name);
    assert.equal(m?.state, ModelState.MODEL_STATE_UNAVAILABLE, `${name} is unavailable`);
    assert.match(m?.reason ?? '', reason);
  };

  it('starts, becomes ready and serves the good models', async () => {
    assert.equal(models.get('yolox_nano')?.state, ModelState.MODEL_STATE_READY);
    const res = await detect('yolox_nano', petsJpeg(1));
    assert.ok(res.detections.some((d) => d.className === 'person'));
  });

  it('a truncated file and a file that is not ONNX: "not an ONNX model"', () => {
    expectUnavailable('truncated', /not an ONNX model \(protobuf parse failed/);
    expectUnavailable('not_onnx', /not an ONNX model|no ir_version or graph/);
  });

  it('an input size that does not match the config names both sides', () => {
    expectUnavailable('wrong_size', /input images has shape \[1,3,416,416\]; config says NCHW 320x320x3/);
  });

  it('a model whose outputs are NaN is refused at load', () => {
    expectUnavailable('nan_always', /warm-up run of nan_always produced NaN/);
  });

  it('NaN outputs at run time fail that request with INTERNAL and a clear message; the model keeps serving', async () => {
    assert.equal(models.get('nan_when_bright')?.state, ModelState.MODEL_STATE_READY);
    const white = await sharp({
      create: { width: 320, height: 240, channels: 3, background: { r: 255, g: 255, b: 255 } },
    })
      .jpeg()
      .toBuffer();
    const err = await detect('nan_when_bright', white).then(
      () => undefined,
      (e: ServiceError) => e,
    );
    assert.equal(err?.code, status.INTERNAL);
    assert.match(err?.details ?? '', /produced NaN or infinite values in output output; results discarded/);
    assert.equal(
      await svc.metric('va_inference_request_failure_total', { model: 'nan_when_bright', reason: 'non_finite_output' }),
      1,
    );
    const ok = await detect('nan_when_bright', petsJpeg(1));
    assert.ok(ok.detections.length > 0);
  });

  it('an execution provider that fails to initialise: alone it fails the load, first in a list it falls back', async () => {
    expectUnavailable('cuda_only', /no execution provider could run the model: cuda: .*Failed to load shared library/);
    const fallback = models.get('gpu_first');
    assert.equal(fallback?.state, ModelState.MODEL_STATE_READY);
    assert.equal(fallback?.executionProvider, 'cpu');
    assert.match(fallback?.reason ?? '', /execution provider fallback to cpu: tensorrt .*cuda .*webgpu/);
    assert.equal(await svc.metric('va_inference_execution_provider', { model: 'gpu_first', ep: 'cpu' }), 1);
    const warnings = svc.proc
      .logs()
      .filter((l) => l.msg === 'execution provider failed to initialise; trying the next one');
    assert.deepEqual([...new Set(warnings.map((l) => l.ep))].sort(), ['cuda', 'tensorrt', 'webgpu']);
    const res = await unary(viewer.embed.bind(viewer), {
      crops: [petsJpeg(1)],
      model: 'gpu_first',
      version: '',
      sourceImage: new Uint8Array(),
      boxes: [],
    });
    assert.equal(res.embeddings[0]?.values.length, 512);
  });

  it('a missing model file says where it looked', () => {
    expectUnavailable('missing_file', /does-not-exist\.onnx is not at .*VA_SHARED_DIR/);
  });

  it('calls to a broken model are UNAVAILABLE with the reason; LoadModel of it is FAILED_PRECONDITION', async () => {
    const err = await detect('truncated', petsJpeg(1)).then(
      () => undefined,
      (e: ServiceError) => e,
    );
    assert.equal(err?.code, status.UNAVAILABLE);
    assert.match(err?.details ?? '', /not an ONNX model/);
    assert.equal(
      await codeOf(unary(admin.loadModel.bind(admin), { model: 'truncated', version: '1' })),
      status.FAILED_PRECONDITION,
    );
    assert.equal(await svc.metric('va_inference_model_ready', { model: 'truncated' }), undefined);
    assert.ok(((await svc.metric('va_inference_model_load_failures_total', { model: 'truncated' })) ?? 0) >= 2);
    const readyz = await fetch(`http://127.0.0.1:${svc.httpPort}/readyz`);
    assert.equal(readyz.status, 200, 'the service stays ready: its detector is serving');
  });
});
