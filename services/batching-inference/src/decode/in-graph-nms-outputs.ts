/**
 * What the post-processed graph returns instead of the raw head output: the contract between
 * onnx/yolox-postprocess-graph.ts, which builds it, and in-graph-nms-decoder.ts, which reads it.
 */
export const IN_GRAPH_NMS = {
  /** int64 [K, 3]: image in the batch, class, anchor. */
  index: 'det_index',
  /** float [K, 4]: centre x, centre y, width, height in input pixels. */
  boxes: 'det_boxes',
  /** float [K]: objectness x class score. */
  scores: 'det_scores',
  /** float [batch]: 1 where the image's raw head output held NaN or infinity (NMS would hide it). */
  nonFinite: 'det_nonfinite',
  /** float [1] graph input: candidates scoring below it are dropped before NMS. */
  scoreThreshold: 'score_threshold',
} as const;
