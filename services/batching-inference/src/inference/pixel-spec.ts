import type { PixelSpec } from '../preprocess/tensor-writer.js';
import type { ModelConfig } from '../repository/model-config.js';

/**
 * How a model wants its pixels, from its config. `rawInput`: the served graph takes uint8 (a
 * uint8 model, or normalisation moved into the graph), so the service writes 0..255 unchanged.
 */
export function pixelSpec(config: ModelConfig, rawInput = config.input.dtype === 'uint8'): PixelSpec {
  const i = config.input;
  return {
    width: i.width,
    height: i.height,
    layout: i.layout,
    channelOrder: i.channelOrder,
    scale: i.scale,
    mean: i.mean,
    std: i.std,
    padValue: i.padValue,
    raw: rawInput,
  };
}
