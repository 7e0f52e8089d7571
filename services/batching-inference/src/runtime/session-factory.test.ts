import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '@va/common';
import { ExecutionProviderError } from '../model-errors.js';
import { buildModel } from '../onnx/graph-edit.js';
import { createSession } from './session-factory.js';

const model = buildModel({
  inputs: [{ name: 'x', type: 'float32', dims: ['n', 2] }],
  outputs: [{ name: 'y', type: 'float32', dims: ['n', 2] }],
  nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
});
const settings = { intraOpThreads: 1, allowSpinning: false };

// onnxruntime-node 1.30 bundles cpu and webgpu; cuda and tensorrt need libraries this host does
// not have, and webgpu finds no adapter without a GPU. These are the real failures, not mocks.
describe('execution providers with fallback down the configured list', () => {
  it('falls back from cuda and webgpu to cpu, saying why each failed', async () => {
    const created = await createSession(model, ['cuda', 'webgpu', 'cpu'], settings, createLogger('test', 'silent'));
    assert.equal(created.ep, 'cpu');
    assert.deepEqual(
      created.failed.map((f) => f.ep),
      ['cuda', 'webgpu'],
    );
    for (const f of created.failed) assert.ok(f.error.length > 0);
    await created.session.release();
  });

  it('fails with every reason when no provider in the list works', async () => {
    await assert.rejects(
      createSession(model, ['tensorrt', 'cuda'], settings, createLogger('test', 'silent')),
      (err: Error) => {
        assert.ok(err instanceof ExecutionProviderError);
        assert.match(err.message, /tensorrt: .+; cuda: .+/);
        return true;
      },
    );
  });
});
