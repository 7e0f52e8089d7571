// The tensors that cross between preprocessing, the runtime and decoding. Imports nothing, so
// every folder can depend on it and none on another just for these shapes.

export type InputArray = Float32Array | Uint8Array;

export interface InputGeometry {
  dtype: 'float32' | 'uint8';
  layout: 'NCHW' | 'NHWC';
  width: number;
  height: number;
}

/** One output tensor of a run; `data` belongs to this run only. */
export interface OutputTensor {
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
  dims: readonly number[];
}

/** One image's share of the raw outputs: every tensor's item for that image. */
export type ItemOutputs = Record<string, { data: ArrayLike<number>; dims: readonly number[] }>;

/** Item `i` of a batched output whose leading dimension is the batch. */
export function itemOf(tensor: OutputTensor, i: number): { data: OutputTensor['data']; dims: readonly number[] } {
  const [batch = 1, ...rest] = tensor.dims;
  const per = tensor.data.length / batch;
  return { data: tensor.data.subarray(i * per, (i + 1) * per), dims: rest };
}

/** Image `index`'s share of outputs whose leading dimension is the batch. */
export function itemOutputs(outputs: Record<string, OutputTensor>, index: number): ItemOutputs {
  const items: ItemOutputs = {};
  for (const [name, tensor] of Object.entries(outputs)) items[name] = itemOf(tensor, index) as ItemOutputs[string];
  return items;
}
