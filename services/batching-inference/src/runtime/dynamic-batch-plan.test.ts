import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildModel } from '../onnx/graph-edit.js';
import { DEFAULT_REPOSITORY_DIR, DEFAULT_SHARED_DIR } from '../repository/default-paths.js';
import { parseModelConfig } from '../repository/model-config.js';
import { planDynamicBatch } from './dynamic-batch-plan.js';

const shared = process.env.VA_SHARED_DIR ?? DEFAULT_SHARED_DIR;
const yoloxBytes = () => new Uint8Array(readFileSync(join(shared, 'models', 'yolox_nano.onnx')));
const config = parseModelConfig(
  JSON.parse(readFileSync(join(DEFAULT_REPOSITORY_DIR, 'yolox_nano', 'config.json'), 'utf8')),
  'yolox_nano',
);

describe('dynamic batch plan for a static batch of 1', () => {
  it('rewrites a batchable graph and says what it changed', () => {
    const plan = planDynamicBatch(yoloxBytes(), { ...config, batching: { ...config.batching, dynamicBatch: 'auto' } });
    assert.ok('rewrite' in plan, JSON.stringify(plan));
    assert.match(plan.rewrite.description, /^dynamic batch: inputs images, outputs output, 3 Reshape constants/);
    assert.ok(plan.rewrite.bytes.length > 0);
  });

  it('serves one image per run with a warning when dynamicBatch is off', () => {
    const plan = planDynamicBatch(yoloxBytes(), { ...config, batching: { ...config.batching, dynamicBatch: 'off' } });
    assert.deepEqual(plan, { warning: 'static batch of 1 and dynamicBatch is off: served one image per run' });
  });

  it('serves one image per run with a warning when the graph cannot be rewritten', () => {
    const fixedBatchOf2 = buildModel({
      inputs: [{ name: 'x', type: 'float32', dims: [2, 4] }],
      outputs: [{ name: 'y', type: 'float32', dims: [2, 4] }],
      nodes: [{ opType: 'Identity', inputs: ['x'], outputs: ['y'] }],
    });
    const plan = planDynamicBatch(fixedBatchOf2, { ...config, batching: { ...config.batching, dynamicBatch: 'auto' } });
    assert.ok('warning' in plan, JSON.stringify(plan));
    assert.match(plan.warning, /^cannot make the batch dimension dynamic/);
  });
});
