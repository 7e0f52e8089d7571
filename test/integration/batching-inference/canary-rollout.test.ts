import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { unary } from '@va/common';
import { ModelState, type InferenceServiceClient, type ModelVersionStatus } from '@va/proto/va/inference/v1/inference';
import { codeOf } from '../../helpers/grpc.js';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';
import { sharedFile } from '@va/harness/shared';
import { petsJpeg, shippedConfig, startInference, tempRepository, type InferenceProcess } from './inference-fixture.js';

const MODEL = 'yolox_nano';
const CAMERAS = Array.from({ length: 16 }, (_, i) => `cam-${i}`);

describe('canary rollout of a new version to a share of cameras, rollback and promote, shared by two workers, no restart', () => {
  let nats: TestNatsServer;
  let repo: ReturnType<typeof tempRepository>;
  const workers: InferenceProcess[] = [];
  let a: { viewer: InferenceServiceClient; admin: InferenceServiceClient };
  let b: { viewer: InferenceServiceClient; admin: InferenceServiceClient };

  before(async () => {
    nats = await startNatsServer();
    repo = tempRepository([{ name: MODEL, config: shippedConfig(MODEL), versions: { '1': 'models/yolox_nano.onnx' } }]);
    const env = {
      VA_INFERENCE_MODEL_REPOSITORY: repo.dir,
      VA_INFERENCE_EMBEDDER: 'none',
      VA_INFERENCE_PIPELINE: 'false',
    };
    workers.push(await startInference(nats.url, env), await startInference(nats.url, env));
    const clients = (w: InferenceProcess) => ({ viewer: w.client('viewer'), admin: w.client('admin') });
    a = clients(workers[0] as InferenceProcess);
    b = clients(workers[1] as InferenceProcess);
    // Version 2 arrives in the repository while both workers run; it keeps detections >= 0.5 only.
    const v2 = join(repo.dir, MODEL, '2');
    mkdirSync(v2);
    symlinkSync(sharedFile('models/yolox_nano.onnx'), join(v2, 'model.onnx'));
    writeFileSync(join(v2, 'config.json'), JSON.stringify({ thresholds: { score: 0.5 } }));
  });

  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await nats?.dispose();
    repo?.dispose();
  });

  const versions = async (client: InferenceServiceClient): Promise<Map<string, ModelVersionStatus>> =>
    new Map((await unary(client.modelStatus.bind(client), { model: MODEL })).models.map((m) => [m.version, m]));
  const versionFor = async (client: InferenceServiceClient, cameraId: string) => {
    const res = await unary(
      client.detect.bind(client),
      { image: petsJpeg(1), model: MODEL, version: '', scoreThreshold: 0, cameraId, withEmbeddings: false },
      { deadlineMs: 30_000 },
    );
    return { version: res.model?.version, minScore: Math.min(...res.detections.map((d) => d.score)) };
  };

  it('guards the admin calls', async () => {
    assert.equal(
      await codeOf(unary(a.viewer.setCanary.bind(a.viewer), { model: MODEL, version: '2', share: 0.5 })),
      status.PERMISSION_DENIED,
    );
    assert.equal(
      await codeOf(unary(a.admin.setCanary.bind(a.admin), { model: MODEL, version: '2', share: 0 })),
      status.INVALID_ARGUMENT,
    );
    assert.equal(
      await codeOf(unary(a.admin.setCanary.bind(a.admin), { model: MODEL, version: '1', share: 0.5 })),
      status.FAILED_PRECONDITION,
    );
    assert.equal(await codeOf(unary(a.admin.rollback.bind(a.admin), { model: MODEL })), status.FAILED_PRECONDITION);
    assert.equal(await codeOf(unary(a.admin.promote.bind(a.admin), { model: MODEL })), status.FAILED_PRECONDITION);
  });

  it('SetCanary on one worker routes the same cameras to version 2 on both', async () => {
    const res = await unary(a.admin.setCanary.bind(a.admin), { model: MODEL, version: '2', share: 0.5 });
    assert.deepEqual(
      res.models.map((m) => [m.version, m.trafficShare]),
      [
        ['1', 0.5],
        ['2', 0.5],
      ],
    );
    await waitFor(async () => (await versions(b.viewer)).get('2')?.state === ModelState.MODEL_STATE_READY, {
      timeoutMs: 30_000,
      what: 'worker B to load the canary',
    });
    assert.equal((await versions(b.viewer)).get('2')?.trafficShare, 0.5);

    const seen = new Map<string, string>();
    for (const camera of CAMERAS) {
      const onA = await versionFor(a.viewer, camera);
      const onB = await versionFor(b.viewer, camera);
      assert.equal(onB.version, onA.version, `${camera} is routed the same way by both workers`);
      assert.equal((await versionFor(a.viewer, camera)).version, onA.version, `${camera} stays on its side`);
      if (onA.version === '2') assert.ok(onA.minScore >= 0.5, 'version 2 runs with its own config');
      seen.set(camera, onA.version as string);
    }
    const canary = [...seen.values()].filter((v) => v === '2').length;
    assert.ok(
      canary > 0 && canary < CAMERAS.length,
      `both versions serve (${canary} of ${CAMERAS.length} cameras on the canary)`,
    );
    assert.equal(
      await codeOf(unary(a.admin.unloadModel.bind(a.admin), { model: MODEL, version: '1' })),
      status.FAILED_PRECONDITION,
      'the stable version cannot go while a canary runs',
    );
  });

  it('Rollback on the other worker sends every camera back to version 1 and unloads version 2 everywhere', async () => {
    const res = await unary(b.admin.rollback.bind(b.admin), { model: MODEL });
    assert.deepEqual(
      res.models.map((m) => [m.version, m.trafficShare]),
      [['1', 1]],
    );
    await waitFor(async () => !(await versions(a.viewer)).has('2'), {
      timeoutMs: 30_000,
      what: 'worker A to drop the canary',
    });
    for (const camera of CAMERAS.slice(0, 8)) assert.equal((await versionFor(a.viewer, camera)).version, '1');
  });

  it("a worker started now serves the fleet's stable version 1, not the repository's latest", async () => {
    const late = await startInference(nats.url, {
      VA_INFERENCE_MODEL_REPOSITORY: repo.dir,
      VA_INFERENCE_EMBEDDER: 'none',
      VA_INFERENCE_PIPELINE: 'false',
    });
    workers.push(late);
    const v = await versions(late.client('viewer'));
    assert.deepEqual([...v.keys()], ['1']);
  });

  it('Promote makes version 2 the stable version for every camera on every worker', async () => {
    await unary(a.admin.setCanary.bind(a.admin), { model: MODEL, version: '2', share: 0.25 });
    await waitFor(async () => (await versions(b.viewer)).get('2')?.state === ModelState.MODEL_STATE_READY, {
      timeoutMs: 30_000,
      what: 'worker B to load the canary',
    });
    const res = await unary(b.admin.promote.bind(b.admin), { model: MODEL });
    assert.deepEqual(
      res.models.map((m) => [m.version, m.trafficShare]),
      [['2', 1]],
    );
    await waitFor(
      async () => {
        const v = await versions(a.viewer);
        return !v.has('1') && v.get('2')?.trafficShare === 1;
      },
      { timeoutMs: 30_000, what: 'worker A to promote' },
    );
    for (const camera of CAMERAS.slice(0, 8)) {
      assert.equal((await versionFor(a.viewer, camera)).version, '2');
      assert.equal((await versionFor(b.viewer, camera)).version, '2');
    }
  });
});
