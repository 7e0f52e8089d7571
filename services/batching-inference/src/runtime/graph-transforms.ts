import type { ModelConfig } from '../repository/model-config.js';

/** In-graph normalisation and post-processing, applied to the bytes that are served. */
export function applyGraphTransforms(bytes: Uint8Array, config: ModelConfig, _rewrites: string[]): Uint8Array {
  if (config.normalizeInGraph || config.postprocess.inGraph) throw new Error('in-graph transforms are not implemented yet');
  return bytes;
}
