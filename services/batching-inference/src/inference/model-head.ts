import type { ModelConfig } from '../repository/model-config.js';
import type { InputGeometry } from '../tensors/tensors.js';
import { DetectorHead, type DetectorGraphMode } from './detector-head.js';
import { EmbedderHead } from './embedder-head.js';

export type ModelHead = DetectorHead | EmbedderHead;

/** The graph as exported: it takes what its config says and has no NonMaxSuppression inside. */
export function plainGraphMode(config: ModelConfig): DetectorGraphMode {
  return { rawInput: config.input.dtype === 'uint8', inGraphNms: false };
}

/** The head that feeds and reads a graph served in `mode` (NMS in the graph only matters to detectors). */
export function createModelHead(model: string, config: ModelConfig, mode: DetectorGraphMode): ModelHead {
  return config.kind === 'detector'
    ? new DetectorHead(model, config, mode)
    : new EmbedderHead(model, config, mode.rawInput);
}

/** The input tensor of a graph served in `mode`. */
export function inputGeometry(config: ModelConfig, mode: DetectorGraphMode): InputGeometry {
  return {
    dtype: mode.rawInput ? 'uint8' : 'float32',
    layout: config.input.layout,
    width: config.input.width,
    height: config.input.height,
  };
}
