import { NonFiniteOutputError } from '../model-errors.js';
import type { OutputTensor } from '../tensors/tensors.js';
import { Candidates } from './candidates.js';
import { IN_GRAPH_NMS } from './in-graph-nms-outputs.js';

/**
 * Reads the boxes NonMaxSuppression kept inside the graph (see yolox-postprocess-graph.ts): rows
 * of the whole batch, each naming its image; this image's rows scoring at least `scoreThreshold`.
 */
export class InGraphNmsDecoder {
  constructor(private readonly model: string) {}

  decode(outputs: Record<string, OutputTensor>, image: number, scoreThreshold: number): Candidates {
    const index = outputs[IN_GRAPH_NMS.index]?.data;
    const boxes = outputs[IN_GRAPH_NMS.boxes]?.data;
    const scores = outputs[IN_GRAPH_NMS.scores]?.data;
    if (!(index instanceof BigInt64Array) || !(boxes instanceof Float32Array) || !(scores instanceof Float32Array)) {
      throw new Error(`model ${this.model} lacks the in-graph NMS outputs`);
    }
    if (outputs[IN_GRAPH_NMS.nonFinite]?.data[image] !== 0) throw new NonFiniteOutputError(this.model, 'output');
    const out = new Candidates();
    const wanted = BigInt(image);
    for (let k = 0; k < scores.length; k++) {
      if (index[k * 3] !== wanted) continue;
      const score = scores[k] as number;
      const cx = boxes[k * 4] as number;
      const cy = boxes[k * 4 + 1] as number;
      const w = boxes[k * 4 + 2] as number;
      const h = boxes[k * 4 + 3] as number;
      if (score - score + (cx - cx) + (cy - cy) + (w - w) + (h - h) !== 0)
        throw new NonFiniteOutputError(this.model, IN_GRAPH_NMS.boxes);
      if (score >= scoreThreshold) out.pushCenter(cx, cy, w, h, score, Number(index[k * 3 + 1]));
    }
    return out;
  }
}
