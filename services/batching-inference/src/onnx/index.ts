/**
 * ONNX graph tools of batching-inference: read a model's inputs and outputs, make a static batch
 * dynamic, add nodes around a graph, build small models. Protobuf is edited field by field, so
 * everything not touched stays byte for byte as it was.
 */
export { readOnnxModel, formatDims, type OnnxModelInfo, type TensorInfo, type Dim } from './onnx-model.js';
export { rewriteToDynamicBatch, NotBatchableError, type DynamicBatchRewrite } from './dynamic-batch.js';
export { editGraph, buildModel, type GraphEdit, type NodeSpec, type TensorSpec, type ValueSpec } from './graph-edit.js';
