import { editGraph, type NodeSpec, type TensorSpec } from './graph-edit.js';
import { readOnnxModel } from './onnx-model.js';

export interface NormalizationSpec {
  /** Graph input to turn into uint8. */
  input: string;
  layout: 'NCHW' | 'NHWC';
  scale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * Makes the graph take uint8 pixels: the input becomes uint8 and a Cast, then (unless the model
 * takes plain 0..255) a per-channel multiply-add computing (pixel * scale - mean) / std, run
 * before the original graph. A quarter of the bytes cross to the device.
 */
export function prependNormalization(bytes: Uint8Array, spec: NormalizationSpec): Uint8Array {
  const input = readOnnxModel(bytes).inputs.find((i) => i.name === spec.input);
  if (!input) throw new Error(`graph has no input ${spec.input}`);
  const mul = [0, 1, 2].map((c) => spec.scale / (spec.std[c] as number));
  const add = [0, 1, 2].map((c) => -(spec.mean[c] as number) / (spec.std[c] as number));
  const identity = mul.every((m) => m === 1) && add.every((a) => a === 0);
  const channelShape = spec.layout === 'NCHW' ? [1, 3, 1, 1] : [1, 1, 1, 3];
  const cast = `${spec.input}__float`;
  const normalized = identity ? cast : `${spec.input}__normalized`;
  const nodes: NodeSpec[] = [{ opType: 'Cast', inputs: [spec.input], outputs: [cast], attributes: { to: { i: 1 } } }];
  const initializers: TensorSpec[] = [];
  if (!identity) {
    nodes.push(
      { opType: 'Mul', inputs: [cast, `${spec.input}__scale`], outputs: [`${spec.input}__scaled`] },
      { opType: 'Add', inputs: [`${spec.input}__scaled`, `${spec.input}__offset`], outputs: [normalized] },
    );
    initializers.push(
      { name: `${spec.input}__scale`, type: 'float32', dims: channelShape, values: mul },
      { name: `${spec.input}__offset`, type: 'float32', dims: channelShape, values: add },
    );
  }
  return editGraph(bytes, {
    rename: [{ from: spec.input, to: normalized }],
    prepend: nodes,
    initializers,
    inputs: [{ name: spec.input, type: 'uint8', dims: input.dims.map((d, i) => d ?? `d${i}`) }],
  });
}
