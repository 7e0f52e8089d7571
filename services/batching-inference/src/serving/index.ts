/**
 * The serving core of batching-inference for use in-process (benchmarks, embedding the batcher
 * in another program): the repository, model loading, one batcher per model version, rollouts.
 * The service's main.ts wires these to NATS and gRPC.
 */
export { ModelRepository, type ModelVersionSpec } from '../repository/model-repository.js';
export { DEFAULT_REPOSITORY_DIR, DEFAULT_SHARED_DIR } from '../repository/default-paths.js';
export { loadModel, type LoadedModel, type LoadSettings } from '../runtime/model-loader.js';
export { executeBatch, type InferenceJob } from '../runtime/execute-batch.js';
export { ServedModel } from './served-model.js';
export { ModelManager, type ModelManagerOptions } from './model-manager.js';
export { InferenceMetrics } from '../metrics.js';
export { DynamicBatcher, type BatcherOptions, type BatchResult } from '../batcher/dynamic-batcher.js';
export { TensorWriter, type PixelSpec } from '../preprocess/tensor-writer.js';
export { fitImage } from '../preprocess/letterbox.js';
export { pixelSpec } from '../inference/pixel-spec.js';
