import { NotBatchableError, rewriteToDynamicBatch } from '../onnx/dynamic-batch.js';
import type { ModelConfig } from '../repository/model-config.js';

/** A static batch of 1 rewritten to a dynamic batch, still to be verified. */
export interface DynamicBatchCandidate {
  bytes: Uint8Array;
  description: string;
}

/**
 * What to try for a graph with a static batch of 1 that its config wants batched: the rewritten
 * graph, or a warning that it will be served one image per run.
 */
export function planDynamicBatch(
  original: Uint8Array,
  config: ModelConfig,
): { rewrite: DynamicBatchCandidate } | { warning: string } {
  if (config.batching.dynamicBatch === 'off')
    return { warning: 'static batch of 1 and dynamicBatch is off: served one image per run' };
  try {
    const rewrite = rewriteToDynamicBatch(original);
    const description = `dynamic batch: inputs ${rewrite.inputs.join(',')}, outputs ${rewrite.outputs.join(',')}, ${rewrite.reshapeConstants.length} Reshape constants, ${rewrite.droppedValueInfo} value_info dropped`;
    return { rewrite: { bytes: rewrite.bytes, description } };
  } catch (err) {
    if (!(err instanceof NotBatchableError)) throw err;
    return { warning: `cannot make the batch dimension dynamic (${err.message}): served one image per run` };
  }
}
