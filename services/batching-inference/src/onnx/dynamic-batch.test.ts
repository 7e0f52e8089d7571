import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ort from 'onnxruntime-node';
import { DEFAULT_SHARED_DIR } from '../repository/default-paths.js';
import { NotBatchableError, rewriteToDynamicBatch } from './dynamic-batch.js';
import { buildModel } from './graph-edit.js';
import { F, readOnnxModel } from './onnx-model.js';
import { all, first, parseFields, stringField, writeFields, type WireField } from './wire.js';

const shared = process.env.VA_SHARED_DIR ?? DEFAULT_SHARED_DIR;
const yoloxBytes = () => new Uint8Array(readFileSync(join(shared, 'models', 'yolox_nano.onnx')));
const quiet = { logSeverityLevel: 3 as const, intraOpNumThreads: 1 };

/** Distinct deterministic "pixels" per image, so a graph mixing images would show. */
function images(count: number, per: number): Float32Array {
  const data = new Float32Array(count * per);
  let s = 7;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s >>> 24) % 256;
  }
  return data;
}

describe('static -> dynamic batch rewrite', () => {
  it('makes yolox_nano batchable with outputs bit-identical to per-image runs of the original', async () => {
    const original = yoloxBytes();
    const rewrite = rewriteToDynamicBatch(original);
    assert.deepEqual(rewrite.inputs, ['images']);
    assert.deepEqual(rewrite.outputs, ['output']);
    assert.equal(rewrite.reshapeConstants.length, 3, 'the three Reshape shape constants of the head');
    const info = readOnnxModel(rewrite.bytes);
    assert.deepEqual(info.inputs[0]?.dims, ['batch', 3, 416, 416]);
    assert.deepEqual(info.outputs[0]?.dims, ['batch', 3549, 85]);

    const single = await ort.InferenceSession.create(original, quiet);
    const batched = await ort.InferenceSession.create(rewrite.bytes, quiet);
    const per = 3 * 416 * 416;
    const batch = 3;
    const data = images(batch, per);
    const together = (await batched.run({ images: new ort.Tensor('float32', data, [batch, 3, 416, 416]) }))
      .output as ort.Tensor;
    assert.deepEqual(together.dims, [batch, 3549, 85]);
    const out = together.data as Float32Array;
    for (let i = 0; i < batch; i++) {
      const alone = (
        await single.run({ images: new ort.Tensor('float32', data.subarray(i * per, (i + 1) * per), [1, 3, 416, 416]) })
      ).output as ort.Tensor;
      const a = alone.data as Float32Array;
      assert.deepEqual(out.subarray(i * a.length, (i + 1) * a.length), a, `image ${i} differs from its own run`);
    }
    await Promise.all([single.release(), batched.release()]);
  });

  it('keeps fields it does not know byte for byte', () => {
    const original = yoloxBytes();
    const model = parseFields(original);
    const unknown: WireField = stringField(999, 'kept by the rewrite');
    const rewritten = parseFields(rewriteToDynamicBatch(writeFields([...model, unknown])).bytes);
    assert.deepEqual(first(rewritten, 999), unknown);
    const graphBefore = parseFields((first(model, F.model.graph) as WireField).value);
    const graphAfter = parseFields((first(rewritten, F.model.graph) as WireField).value);
    const convsBefore = all(graphBefore, F.graph.node).filter((n) => Buffer.from(n.value).includes('Conv'));
    const convsAfter = all(graphAfter, F.graph.node).filter((n) => Buffer.from(n.value).includes('Conv'));
    assert.deepEqual(convsAfter, convsBefore, 'untouched nodes are identical');
    assert.equal(all(graphAfter, F.graph.initializer).length, all(graphBefore, F.graph.initializer).length);
  });

  it('rewrites a shape given by a Constant node and runs a batch', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', type: 'float32', dims: [1, 4] }],
      outputs: [{ name: 'y', type: 'float32', dims: [1, 2, 2] }],
      nodes: [
        {
          opType: 'Constant',
          inputs: [],
          outputs: ['shape'],
          attributes: { value: { t: { type: 'int64', dims: [3], values: [1, 2, 2] } } },
        },
        { opType: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] },
      ],
    });
    const rewrite = rewriteToDynamicBatch(bytes);
    assert.deepEqual(rewrite.reshapeConstants, ['shape']);
    const session = await ort.InferenceSession.create(rewrite.bytes, quiet);
    const y = (await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [2, 4]) }))
      .y as ort.Tensor;
    assert.deepEqual(y.dims, [2, 2, 2]);
    await session.release();
  });

  it('refuses a fixed batch other than 1', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', type: 'float32', dims: [2, 4] }],
      outputs: [{ name: 'y', type: 'float32', dims: [2, 4] }],
      nodes: [{ opType: 'Identity', inputs: ['x'], outputs: ['y'] }],
    });
    assert.throws(() => rewriteToDynamicBatch(bytes), NotBatchableError);
  });
});
