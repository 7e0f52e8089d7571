import { InvalidOnnxError } from '../model-errors.js';
import { all, asInt, asInts, asString, first, parseFields, type WireField } from './wire.js';

/** Field numbers of onnx.proto (github.com/onnx/onnx, MIT) that this service reads or edits. */
export const F = {
  model: { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12, valueInfo: 13 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attribute: { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, type: 20 },
  valueInfo: { name: 1, type: 2 },
  type: { tensorType: 1 },
  tensorType: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dim: { value: 1, param: 2 },
  tensor: { dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9, dataLocation: 14 },
} as const;

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9 } as const;
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

const ELEMENT_NAMES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
};

/** One dimension: a number when fixed, a name when symbolic, undefined when unknown. */
export type Dim = number | string | undefined;

export interface TensorInfo {
  name: string;
  elementType: string;
  dims: Dim[];
}

export interface NodeInfo {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
}

export interface OnnxModelInfo {
  irVersion: number;
  producer: string;
  opsets: Array<{ domain: string; version: number }>;
  /** Real inputs: graph inputs that are not initializers (old exporters list both). */
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  nodes: NodeInfo[];
  initializerNames: Set<string>;
}

/** Reads the parts of a ModelProto this service needs; throws InvalidOnnxError for anything else. */
export function readOnnxModel(bytes: Uint8Array): OnnxModelInfo {
  if (bytes.byteLength === 0) throw new InvalidOnnxError('file is empty');
  let model: WireField[];
  let graph: WireField[];
  try {
    model = parseFields(bytes);
    const graphField = first(model, F.model.graph);
    if (!first(model, F.model.irVersion) || !graphField) {
      throw new InvalidOnnxError('no ir_version or graph: not an ONNX ModelProto');
    }
    graph = parseFields(graphField.value);
  } catch (err) {
    if (err instanceof InvalidOnnxError) throw err;
    throw new InvalidOnnxError(`not an ONNX model (protobuf parse failed: ${(err as Error).message})`, { cause: err });
  }
  try {
    const initializerNames = new Set(
      all(graph, F.graph.initializer).map((f) => asString(first(parseFields(f.value), F.tensor.name))),
    );
    const inputs = all(graph, F.graph.input)
      .map((f) => readValueInfo(f.value))
      .filter((t) => !initializerNames.has(t.name));
    const outputs = all(graph, F.graph.output).map((f) => readValueInfo(f.value));
    if (inputs.length === 0 || outputs.length === 0) throw new InvalidOnnxError('graph has no inputs or no outputs');
    return {
      irVersion: asInt(first(model, F.model.irVersion)),
      producer:
        `${asString(first(model, F.model.producerName))} ${asString(first(model, F.model.producerVersion))}`.trim(),
      opsets: all(model, F.model.opsetImport).map((f) => {
        const o = parseFields(f.value);
        return { domain: asString(first(o, F.opset.domain)), version: asInt(first(o, F.opset.version)) };
      }),
      inputs,
      outputs,
      nodes: all(graph, F.graph.node).map((f) => readNode(parseFields(f.value))),
      initializerNames,
    };
  } catch (err) {
    if (err instanceof InvalidOnnxError) throw err;
    throw new InvalidOnnxError(`malformed ONNX graph: ${(err as Error).message}`, { cause: err });
  }
}

export function readNode(node: readonly WireField[]): NodeInfo {
  return {
    opType: asString(first(node, F.node.opType)),
    domain: asString(first(node, F.node.domain)),
    name: asString(first(node, F.node.name)),
    inputs: all(node, F.node.input).map(asString),
    outputs: all(node, F.node.output).map(asString),
  };
}

export function readValueInfo(bytes: Uint8Array): TensorInfo {
  const info = parseFields(bytes);
  const name = asString(first(info, F.valueInfo.name));
  const type = first(info, F.valueInfo.type);
  const tensorType = type ? first(parseFields(type.value), F.type.tensorType) : undefined;
  if (!tensorType) return { name, elementType: 'non-tensor', dims: [] };
  const tt = parseFields(tensorType.value);
  const shape = first(tt, F.tensorType.shape);
  const dims: Dim[] = shape
    ? all(parseFields(shape.value), F.shape.dim).map((d) => {
        const dim = parseFields(d.value);
        const value = first(dim, F.dim.value);
        if (value) return asInt(value);
        const param = first(dim, F.dim.param);
        return param ? asString(param) : undefined;
      })
    : [];
  const elem = asInt(first(tt, F.tensorType.elemType));
  return { name, elementType: ELEMENT_NAMES[elem] ?? `type ${elem}`, dims };
}

/** Int64 values of a TensorProto (raw_data or int64_data), or undefined for other types. */
export function readInt64Tensor(tensor: readonly WireField[]): number[] | undefined {
  if (asInt(first(tensor, F.tensor.dataType)) !== DataType.INT64) return undefined;
  const raw = first(tensor, F.tensor.rawData);
  if (raw) {
    const view = new DataView(raw.value.buffer, raw.value.byteOffset, raw.value.byteLength);
    const out: number[] = [];
    for (let i = 0; i + 8 <= raw.value.byteLength; i += 8) out.push(Number(view.getBigInt64(i, true)));
    return out;
  }
  return asInts(all(tensor, F.tensor.int64Data));
}

export function formatDims(dims: readonly Dim[]): string {
  return `[${dims.map((d) => (d === undefined ? '?' : String(d))).join(',')}]`;
}
