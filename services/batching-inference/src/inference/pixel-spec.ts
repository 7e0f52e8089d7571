import type { PixelSpec } from '../preprocess/tensor-writer.js';
import type { ModelConfig } from '../repository/model-config.js';

/** How a model wants its pixels, from its config. With normalisation in the graph the service writes raw 0..255. */
export function pixelSpec(config: ModelConfig): PixelSpec {
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
    raw: config.normalizeInGraph,
  };
}
