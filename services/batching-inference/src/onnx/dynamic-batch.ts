import { InvalidOnnxError } from '../model-errors.js';
import { F, DataType } from './onnx-model.js';
import {
  all,
  asInt,
  asInts,
  asString,
  editMessage,
  first,
  packedInts,
  parseFields,
  stringField,
  writeFields,
  WireType,
  type WireField,
} from './wire.js';

/** What the rewrite changed, for the load log. */
export interface DynamicBatchRewrite {
  bytes: Uint8Array;
  /** Graph inputs and outputs whose leading dimension became symbolic. */
  inputs: string[];
  outputs: string[];
  /** Reshape shape constants whose leading 1 became 0 (copy the batch from the input). */
  reshapeConstants: string[];
  /** Intermediate shape annotations dropped (they pinned the batch to 1). */
  droppedValueInfo: number;
  /** Shape constants left alone because something other than Reshape also reads them. */
  skipped: string[];
}

/** The graph cannot be given a symbolic batch dimension by this rewrite. */
export class NotBatchableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotBatchableError';
  }
}

/**
 * Rewrites a model exported with a static batch of 1 so its batch dimension is symbolic:
 * the leading dimension of every graph input and output becomes `dimName`, the leading 1 of
 * each Reshape's constant target shape becomes 0 (ONNX: copy that dimension from the input),
 * and value_info shape annotations are dropped. Every other byte of the model is kept as it was.
 *
 * This is not proof that the result batches correctly (a graph may fold the batch into
 * another dimension or bake it into other constants): callers verify a batched run against
 * per-image runs before serving it.
 */
export function rewriteToDynamicBatch(bytes: Uint8Array, dimName = 'batch'): DynamicBatchRewrite {
  const model = parseFields(bytes);
  const graphIndex = model.findIndex((f) => f.no === F.model.graph);
  if (graphIndex < 0) throw new InvalidOnnxError('model has no graph');
  const graph = parseFields((model[graphIndex] as WireField).value);

  const initializerNames = new Set(all(graph, F.graph.initializer).map((f) => tensorName(f)));
  const nodes = all(graph, F.graph.node).map((f) => parseFields(f.value));
  const shapeInputs = reshapeShapeInputs(nodes);

  const result: Omit<DynamicBatchRewrite, 'bytes'> = {
    inputs: [],
    outputs: [],
    reshapeConstants: [],
    droppedValueInfo: 0,
    skipped: [],
  };
  const rewritten: WireField[] = [];
  for (const field of graph) {
    switch (field.no) {
      case F.graph.input: {
        const name = valueInfoName(field);
        if (initializerNames.has(name)) {
          rewritten.push(field);
        } else {
          rewritten.push(symbolicLeadingDim(field, dimName, 'input'));
          result.inputs.push(name);
        }
        break;
      }
      case F.graph.output:
        rewritten.push(symbolicLeadingDim(field, dimName, 'output'));
        result.outputs.push(valueInfoName(field));
        break;
      case F.graph.valueInfo:
        result.droppedValueInfo++;
        break;
      case F.graph.initializer: {
        const name = tensorName(field);
        const use = shapeInputs.get(name);
        if (use === 'reshape-only') {
          const edited = zeroLeadingOne(field);
          if (edited) {
            rewritten.push(edited);
            result.reshapeConstants.push(name);
            break;
          }
        } else if (use === 'shared') {
          result.skipped.push(name);
        }
        rewritten.push(field);
        break;
      }
      case F.graph.node: {
        rewritten.push(rewriteConstantNode(field, shapeInputs, result));
        break;
      }
      default:
        rewritten.push(field);
    }
  }
  if (result.inputs.length === 0) throw new NotBatchableError('graph has no inputs to make batchable');
  const out = [...model];
  out[graphIndex] = { ...(model[graphIndex] as WireField), value: writeFields(rewritten) };
  return { bytes: writeFields(out), ...result };
}

/** The leading dimension of a graph input or output: a fixed number, a symbol, or absent. */
function symbolicLeadingDim(field: WireField, dimName: string, what: string): WireField {
  const name = valueInfoName(field);
  return editMessage(field, (info) =>
    info.map((f) =>
      f.no !== F.valueInfo.type
        ? f
        : editMessage(f, (type) =>
            type.map((t) =>
              t.no !== F.type.tensorType
                ? t
                : editMessage(t, (tensorType) =>
                    tensorType.map((s) =>
                      s.no !== F.tensorType.shape
                        ? s
                        : editMessage(s, (shape) => {
                            const dimIndex = shape.findIndex((d) => d.no === F.shape.dim);
                            if (dimIndex < 0) throw new NotBatchableError(`${what} ${name} is a scalar`);
                            const dim = parseFields((shape[dimIndex] as WireField).value);
                            const value = first(dim, F.dim.value);
                            if (value && asInt(value) !== 1) {
                              throw new NotBatchableError(
                                `${what} ${name} has a fixed leading dimension of ${asInt(value)}, not 1`,
                              );
                            }
                            const copy = [...shape];
                            const kept = dim.filter((d) => d.no !== F.dim.value && d.no !== F.dim.param);
                            copy[dimIndex] = {
                              no: F.shape.dim,
                              type: WireType.LengthDelimited,
                              value: writeFields([stringField(F.dim.param, dimName), ...kept]),
                            };
                            return value || !first(dim, F.dim.param) ? copy : shape;
                          }),
                    ),
                  ),
            ),
          ),
    ),
  );
}

/** name -> 'reshape-only' when only Reshape nodes read it as their shape, 'shared' otherwise. */
function reshapeShapeInputs(nodes: WireField[][]): Map<string, 'reshape-only' | 'shared'> {
  const uses = new Map<string, 'reshape-only' | 'shared'>();
  for (const node of nodes) {
    if (asString(first(node, F.node.opType)) === 'Reshape' && isOnnxDomain(node) && !allowsZero(node)) {
      const shape = all(node, F.node.input)[1];
      if (shape && uses.get(asString(shape)) === undefined) uses.set(asString(shape), 'reshape-only');
    }
  }
  for (const node of nodes) {
    const isReshape = asString(first(node, F.node.opType)) === 'Reshape';
    all(node, F.node.input).forEach((input, i) => {
      const name = asString(input);
      if (uses.has(name) && (!isReshape || i !== 1)) uses.set(name, 'shared');
    });
  }
  return uses;
}

function rewriteConstantNode(
  field: WireField,
  shapeInputs: Map<string, 'reshape-only' | 'shared'>,
  result: Omit<DynamicBatchRewrite, 'bytes'>,
): WireField {
  const node = parseFields(field.value);
  if (asString(first(node, F.node.opType)) !== 'Constant') return field;
  const output = asString(first(node, F.node.output));
  const use = shapeInputs.get(output);
  if (use === 'shared') result.skipped.push(output);
  if (use !== 'reshape-only') return field;
  let changed = false;
  const edited = node.map((f) => {
    if (f.no !== F.node.attribute) return f;
    const attr = parseFields(f.value);
    const attrName = asString(first(attr, F.attribute.name));
    if (attrName === 'value') {
      return editMessage(f, (a) =>
        a.map((t) => {
          if (t.no !== F.attribute.t) return t;
          const z = zeroLeadingOne(t);
          if (z) changed = true;
          return z ?? t;
        }),
      );
    }
    if (attrName === 'value_ints') {
      const ints = asInts(all(attr, F.attribute.ints));
      if (ints[0] !== 1) return f;
      changed = true;
      ints[0] = 0;
      return editMessage(f, (a) => [...a.filter((x) => x.no !== F.attribute.ints), packedInts(F.attribute.ints, ints)]);
    }
    return f;
  });
  if (!changed) return field;
  result.reshapeConstants.push(output);
  return { ...field, value: writeFields(edited) };
}

/** A copy of an int64 TensorProto with its first element 1 set to 0, or undefined when it is not that. */
function zeroLeadingOne(field: WireField): WireField | undefined {
  const tensor = parseFields(field.value);
  if (asInt(first(tensor, F.tensor.dataType)) !== DataType.INT64) return undefined;
  const raw = first(tensor, F.tensor.rawData);
  if (raw) {
    if (raw.value.byteLength < 8) return undefined;
    const view = new DataView(raw.value.buffer, raw.value.byteOffset, 8);
    if (view.getBigInt64(0, true) !== 1n) return undefined;
    const copy = new Uint8Array(raw.value); // a copy: Buffer#slice would be a view of the model file
    new DataView(copy.buffer).setBigInt64(0, 0n, true);
    return { ...field, value: writeFields(tensor.map((f) => (f === raw ? { ...f, value: copy } : f))) };
  }
  const dataFields = all(tensor, F.tensor.int64Data);
  const values = asInts(dataFields);
  if (values[0] !== 1) return undefined;
  values[0] = 0;
  const rest = tensor.filter((f) => f.no !== F.tensor.int64Data);
  return { ...field, value: writeFields([...rest, packedInts(F.tensor.int64Data, values)]) };
}

function allowsZero(node: readonly WireField[]): boolean {
  return all(node, F.node.attribute).some((f) => {
    const attr = parseFields(f.value);
    return asString(first(attr, F.attribute.name)) === 'allowzero' && asInt(first(attr, F.attribute.i)) === 1;
  });
}

function isOnnxDomain(node: readonly WireField[]): boolean {
  const domain = asString(first(node, F.node.domain));
  return domain === '' || domain === 'ai.onnx';
}

function valueInfoName(field: WireField): string {
  return asString(first(parseFields(field.value), F.valueInfo.name));
}

function tensorName(field: WireField): string {
  return asString(first(parseFields(field.value), F.tensor.name));
}
