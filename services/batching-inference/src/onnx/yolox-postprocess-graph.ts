import { IN_GRAPH_NMS } from '../decode/in-graph-nms-outputs.js';
import { anchorGrid } from '../decode/yolox-decoder.js';
import { editGraph } from './graph-edit.js';
import { readOnnxModel } from './onnx-model.js';

export interface YoloxPostprocessSpec {
  /** The head output [batch, anchors, 5 + classes]. */
  output: string;
  width: number;
  height: number;
  strides: readonly number[];
  classes: number;
  iouThreshold: number;
  /** Boxes kept per image and class by NonMaxSuppression. */
  maxPerClass: number;
}

/**
 * Appends YOLOX's post-processing to the graph with opset-11 ops: grid decode of the boxes,
 * score = objectness x class score kept for each anchor's best class only (as the JS decoder
 * does), NonMaxSuppression per image and class (score threshold fed at run time), and a gather
 * of the kept boxes and scores. Only those cross back from the device, not batch x 3549 x 85.
 */
export function appendYoloxPostprocess(bytes: Uint8Array, spec: YoloxPostprocessSpec): Uint8Array {
  const head = readOnnxModel(bytes).outputs.find((o) => o.name === spec.output);
  if (!head) throw new Error(`graph has no output ${spec.output}`);
  const grid = anchorGrid(spec.width, spec.height, spec.strides);
  const n = grid.gx.length;
  const xy = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = grid.gx[i] as number;
    xy[2 * i + 1] = grid.gy[i] as number;
  }
  const c = spec.classes;
  // Slices of the head's last axis; their bounds are the pp_<name>_start/end initializers.
  const slice = (name: string) => ({
    opType: 'Slice',
    inputs: [spec.output, `pp_${name}_start`, `pp_${name}_end`, 'pp_axis2'],
    outputs: [`pp_${name}`],
  });
  const int64 = (name: string, values: number[]) => ({ name, type: 'int64' as const, dims: [values.length], values });
  return editGraph(bytes, {
    append: [
      slice('xy'),
      slice('wh'),
      slice('obj'),
      slice('cls'),
      { opType: 'Add', inputs: ['pp_xy', 'pp_grid'], outputs: ['pp_xy_grid'] },
      { opType: 'Mul', inputs: ['pp_xy_grid', 'pp_stride'], outputs: ['pp_xy_px'] },
      { opType: 'Exp', inputs: ['pp_wh'], outputs: ['pp_wh_exp'] },
      { opType: 'Mul', inputs: ['pp_wh_exp', 'pp_stride'], outputs: ['pp_wh_px'] },
      { opType: 'Concat', inputs: ['pp_xy_px', 'pp_wh_px'], outputs: ['pp_boxes'], attributes: { axis: { i: 2 } } },
      {
        opType: 'ReduceMax',
        inputs: ['pp_cls'],
        outputs: ['pp_cls_max'],
        attributes: { axes: { ints: [2] }, keepdims: { i: 1 } },
      },
      { opType: 'Equal', inputs: ['pp_cls', 'pp_cls_max'], outputs: ['pp_best'] },
      { opType: 'Cast', inputs: ['pp_best'], outputs: ['pp_best_f'], attributes: { to: { i: 1 } } },
      { opType: 'Mul', inputs: ['pp_cls', 'pp_obj'], outputs: ['pp_cls_obj'] },
      { opType: 'Mul', inputs: ['pp_cls_obj', 'pp_best_f'], outputs: ['pp_scores'] },
      {
        opType: 'Transpose',
        inputs: ['pp_scores'],
        outputs: ['pp_scores_t'],
        attributes: { perm: { ints: [0, 2, 1] } },
      },
      {
        opType: 'NonMaxSuppression',
        inputs: ['pp_boxes', 'pp_scores_t', 'pp_max_per_class', 'pp_iou', IN_GRAPH_NMS.scoreThreshold],
        outputs: [IN_GRAPH_NMS.index],
        attributes: { center_point_box: { i: 1 } },
      },
      {
        opType: 'Gather',
        inputs: [IN_GRAPH_NMS.index, 'pp_batch_and_anchor'],
        outputs: ['pp_box_index'],
        attributes: { axis: { i: 1 } },
      },
      { opType: 'GatherND', inputs: ['pp_boxes', 'pp_box_index'], outputs: [IN_GRAPH_NMS.boxes] },
      { opType: 'GatherND', inputs: ['pp_scores_t', IN_GRAPH_NMS.index], outputs: [IN_GRAPH_NMS.scores] },
      { opType: 'IsNaN', inputs: [spec.output], outputs: ['pp_nan'] },
      { opType: 'IsInf', inputs: [spec.output], outputs: ['pp_inf'] },
      { opType: 'Or', inputs: ['pp_nan', 'pp_inf'], outputs: ['pp_bad'] },
      { opType: 'Cast', inputs: ['pp_bad'], outputs: ['pp_bad_f'], attributes: { to: { i: 1 } } },
      {
        opType: 'ReduceMax',
        inputs: ['pp_bad_f'],
        outputs: [IN_GRAPH_NMS.nonFinite],
        attributes: { axes: { ints: [1, 2] }, keepdims: { i: 0 } },
      },
    ],
    initializers: [
      int64('pp_xy_start', [0]),
      int64('pp_xy_end', [2]),
      int64('pp_wh_start', [2]),
      int64('pp_wh_end', [4]),
      int64('pp_obj_start', [4]),
      int64('pp_obj_end', [5]),
      int64('pp_cls_start', [5]),
      int64('pp_cls_end', [5 + c]),
      int64('pp_axis2', [2]),
      int64('pp_max_per_class', [spec.maxPerClass]),
      int64('pp_batch_and_anchor', [0, 2]),
      { name: 'pp_grid', type: 'float32', dims: [1, n, 2], values: xy },
      { name: 'pp_stride', type: 'float32', dims: [1, n, 1], values: grid.stride },
      { name: 'pp_iou', type: 'float32', dims: [1], values: [spec.iouThreshold] },
    ],
    inputs: [
      ...readOnnxModel(bytes).inputs.map((i) => ({
        name: i.name,
        type: i.elementType as 'float32' | 'uint8',
        dims: i.dims.map((d, k) => d ?? `d${k}`),
      })),
      { name: IN_GRAPH_NMS.scoreThreshold, type: 'float32', dims: [1] },
    ],
    outputs: [
      { name: IN_GRAPH_NMS.index, type: 'int64', dims: ['detections', 3] },
      { name: IN_GRAPH_NMS.boxes, type: 'float32', dims: ['detections', 4] },
      { name: IN_GRAPH_NMS.scores, type: 'float32', dims: ['detections'] },
      { name: IN_GRAPH_NMS.nonFinite, type: 'float32', dims: [head.dims[0] ?? 'batch'] },
    ],
  });
}
