import { ATTRIBUTE_TYPE, DataType, F } from './onnx-model.js';
import {
  all,
  asInt,
  asString,
  bytesField,
  first,
  floatField,
  intField,
  messageField,
  packedFloats,
  packedInts,
  parseFields,
  stringField,
  writeFields,
  type WireField,
} from './wire.js';

export type TensorType = 'float32' | 'int64' | 'uint8' | 'int32';

const TYPE_CODE: Record<TensorType, number> = {
  float32: DataType.FLOAT,
  int64: DataType.INT64,
  uint8: DataType.UINT8,
  int32: DataType.INT32,
};

/** A constant tensor (initializer or Constant node value). */
export interface TensorSpec {
  name?: string;
  type: TensorType;
  dims: number[];
  values: ArrayLike<number>;
}

export type AttributeValue =
  { f: number } | { i: number } | { s: string } | { floats: number[] } | { ints: number[] } | { t: TensorSpec };

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

/** A graph input or output: element type and shape (numbers fixed, strings symbolic). */
export interface ValueSpec {
  name: string;
  type: TensorType;
  dims: Array<number | string>;
}

export interface GraphEdit {
  /** Renames tensors where existing nodes read or write them (not the graph's inputs and outputs). */
  rename?: Array<{ from: string; to: string }>;
  /** Nodes run before every existing node. */
  prepend?: NodeSpec[];
  /** Nodes run after every existing node. */
  append?: NodeSpec[];
  initializers?: TensorSpec[];
  /** Replaces the graph inputs (initializers listed as inputs by old exporters are kept). */
  inputs?: ValueSpec[];
  /** Replaces the graph outputs. */
  outputs?: ValueSpec[];
  /** Raises the default-domain opset import to at least this (ops added may need it). */
  minOpset?: number;
}

/**
 * Adds nodes and constants around an existing graph and replaces its inputs or outputs, keeping
 * every other byte of the model as it was. Used to put normalisation and post-processing inside
 * the graph, and by tests to build broken models from real ones.
 */
export function editGraph(bytes: Uint8Array, edit: GraphEdit): Uint8Array {
  const model = parseFields(bytes);
  const graphIndex = model.findIndex((f) => f.no === F.model.graph);
  const graphField = model[graphIndex];
  if (!graphField) throw new Error('model has no graph');
  const graph = parseFields(graphField.value);
  const renames = new Map((edit.rename ?? []).map((r) => [r.from, r.to]));
  const initializerNames = new Set(
    all(graph, F.graph.initializer).map((f) => asString(first(parseFields(f.value), F.tensor.name))),
  );

  const out: WireField[] = [];
  const prepended = (edit.prepend ?? []).map((n) => messageField(F.graph.node, nodeFields(n)));
  let placedPrepend = false;
  for (const field of graph) {
    if (field.no === F.graph.node) {
      if (!placedPrepend) {
        out.push(...prepended);
        placedPrepend = true;
      }
      out.push(renames.size > 0 ? renameInNode(field, renames) : field);
    } else if (field.no === F.graph.input && edit.inputs) {
      if (initializerNames.has(valueName(field))) out.push(field);
    } else if (field.no === F.graph.output && edit.outputs) {
      // replaced below
    } else {
      out.push(field);
    }
  }
  if (!placedPrepend) out.push(...prepended);
  out.push(...(edit.append ?? []).map((n) => messageField(F.graph.node, nodeFields(n))));
  out.push(...(edit.initializers ?? []).map((t) => messageField(F.graph.initializer, tensorFields(t))));
  if (edit.inputs) out.push(...edit.inputs.map((v) => messageField(F.graph.input, valueInfoFields(v))));
  if (edit.outputs) out.push(...edit.outputs.map((v) => messageField(F.graph.output, valueInfoFields(v))));

  const result = [...model];
  result[graphIndex] = { ...graphField, value: writeFields(out) };
  return writeFields(edit.minOpset ? raiseOpset(result, edit.minOpset) : result);
}

export function tensorFields(t: TensorSpec): WireField[] {
  const n = t.values.length;
  let raw: Uint8Array;
  if (t.type === 'float32') raw = new Uint8Array(Float32Array.from(t.values).buffer);
  else if (t.type === 'int64')
    raw = new Uint8Array(BigInt64Array.from(Array.from(t.values, (v) => BigInt(Math.trunc(v)))).buffer);
  else if (t.type === 'int32') raw = new Uint8Array(Int32Array.from(t.values).buffer);
  else raw = Uint8Array.from(t.values);
  if (t.dims.reduce((a, b) => a * b, 1) !== n)
    throw new Error(`tensor ${t.name ?? ''} has ${n} values for dims [${t.dims.join(',')}]`);
  return [
    packedInts(F.tensor.dims, t.dims),
    intField(F.tensor.dataType, TYPE_CODE[t.type]),
    ...(t.name ? [stringField(F.tensor.name, t.name)] : []),
    bytesField(F.tensor.rawData, raw),
  ];
}

function nodeFields(n: NodeSpec): WireField[] {
  return [
    ...n.inputs.map((i) => stringField(F.node.input, i)),
    ...n.outputs.map((o) => stringField(F.node.output, o)),
    stringField(F.node.name, n.name ?? `${n.opType}__${n.outputs[0] ?? ''}`),
    stringField(F.node.opType, n.opType),
    ...Object.entries(n.attributes ?? {}).map(([name, value]) =>
      messageField(F.node.attribute, attributeFields(name, value)),
    ),
    ...(n.domain ? [stringField(F.node.domain, n.domain)] : []),
  ];
}

function attributeFields(name: string, value: AttributeValue): WireField[] {
  const head = stringField(F.attribute.name, name);
  if ('f' in value) return [head, floatField(F.attribute.f, value.f), intField(F.attribute.type, ATTRIBUTE_TYPE.FLOAT)];
  if ('i' in value) return [head, intField(F.attribute.i, value.i), intField(F.attribute.type, ATTRIBUTE_TYPE.INT)];
  if ('s' in value)
    return [head, stringField(F.attribute.s, value.s), intField(F.attribute.type, ATTRIBUTE_TYPE.STRING)];
  if ('floats' in value)
    return [head, packedFloats(F.attribute.floats, value.floats), intField(F.attribute.type, ATTRIBUTE_TYPE.FLOATS)];
  if ('ints' in value)
    return [head, packedInts(F.attribute.ints, value.ints), intField(F.attribute.type, ATTRIBUTE_TYPE.INTS)];
  return [head, messageField(F.attribute.t, tensorFields(value.t)), intField(F.attribute.type, ATTRIBUTE_TYPE.TENSOR)];
}

function valueInfoFields(v: ValueSpec): WireField[] {
  const dims = v.dims.map((d) =>
    messageField(F.shape.dim, [typeof d === 'number' ? intField(F.dim.value, d) : stringField(F.dim.param, d)]),
  );
  const tensorType = [intField(F.tensorType.elemType, TYPE_CODE[v.type]), messageField(F.tensorType.shape, dims)];
  return [
    stringField(F.valueInfo.name, v.name),
    messageField(F.valueInfo.type, [messageField(F.type.tensorType, tensorType)]),
  ];
}

function renameInNode(field: WireField, renames: Map<string, string>): WireField {
  const node = parseFields(field.value);
  let changed = false;
  const edited = node.map((f) => {
    if (f.no !== F.node.input && f.no !== F.node.output) return f;
    const to = renames.get(asString(f));
    if (to === undefined) return f;
    changed = true;
    return stringField(f.no, to);
  });
  return changed ? { ...field, value: writeFields(edited) } : field;
}

function valueName(field: WireField): string {
  return asString(first(parseFields(field.value), F.valueInfo.name));
}

function raiseOpset(model: WireField[], min: number): WireField[] {
  return model.map((f) => {
    if (f.no !== F.model.opsetImport) return f;
    const opset = parseFields(f.value);
    const domain = asString(first(opset, F.opset.domain));
    if ((domain !== '' && domain !== 'ai.onnx') || asInt(first(opset, F.opset.version)) >= min) return f;
    return messageField(F.model.opsetImport, [
      ...opset.filter((o) => o.no !== F.opset.version),
      intField(F.opset.version, min),
    ]);
  });
}

/** A complete model from parts (IR 8, default-domain opset `opset`): small fixtures and tests. */
export function buildModel(parts: {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: TensorSpec[];
  opset?: number;
}): Uint8Array {
  const graph = [
    ...parts.nodes.map((n) => messageField(F.graph.node, nodeFields(n))),
    stringField(F.graph.name, 'graph'),
    ...(parts.initializers ?? []).map((t) => messageField(F.graph.initializer, tensorFields(t))),
    ...parts.inputs.map((v) => messageField(F.graph.input, valueInfoFields(v))),
    ...parts.outputs.map((v) => messageField(F.graph.output, valueInfoFields(v))),
  ];
  return writeFields([
    intField(F.model.irVersion, 8),
    stringField(F.model.producerName, 'va-batching-inference'),
    messageField(F.model.graph, graph),
    messageField(F.model.opsetImport, [stringField(F.opset.domain, ''), intField(F.opset.version, parts.opset ?? 13)]),
  ]);
}
