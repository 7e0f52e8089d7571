import { prependNormalization } from '../onnx/normalize-graph.js';
import { appendYoloxPostprocess } from '../onnx/yolox-postprocess-graph.js';
import type { ExecutionProvider, ModelConfig } from '../repository/model-config.js';

/** Which of the configured in-graph transforms to apply. */
export interface GraphTransforms {
  normalize: boolean;
  postprocess: boolean;
}

/** The configured transforms for a session on `ep` ('auto' means: on any provider but cpu). */
export function wantedTransforms(config: ModelConfig, ep: ExecutionProvider): GraphTransforms {
  const on = (choice: boolean | 'auto') => (choice === 'auto' ? ep !== 'cpu' : choice);
  return {
    normalize: on(config.inGraph.normalize) && config.input.dtype === 'float32',
    postprocess: on(config.inGraph.postprocess) && config.output.decoder === 'yolox',
  };
}

export function describeTransforms(t: GraphTransforms): string[] {
  return [
    ...(t.normalize ? ['uint8 input, normalisation in the graph'] : []),
    ...(t.postprocess ? ['grid decode, score threshold and NonMaxSuppression in the graph'] : []),
  ];
}

/** The served graph with normalisation prepended and/or YOLOX post-processing appended. */
export function applyGraphTransforms(bytes: Uint8Array, config: ModelConfig, t: GraphTransforms): Uint8Array {
  let out = bytes;
  const { input, output, thresholds, classes } = config;
  if (t.normalize)
    out = prependNormalization(out, {
      input: input.name,
      layout: input.layout,
      scale: input.scale,
      mean: input.mean,
      std: input.std,
    });
  if (t.postprocess && output.decoder === 'yolox') {
    out = appendYoloxPostprocess(out, {
      output: output.name,
      width: input.width,
      height: input.height,
      strides: output.strides,
      classes: classes.length,
      iouThreshold: thresholds.nmsIou,
      maxPerClass: thresholds.maxDetections,
    });
  }
  return out;
}
