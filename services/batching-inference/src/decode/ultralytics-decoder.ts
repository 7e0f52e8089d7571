import { ModelShapeMismatchError } from '../model-errors.js';
import { assertFinite, Candidates, requireOutput, type DetectorDecoder } from './candidates.js';
import type { ItemOutputs } from '../tensors/tensors.js';

/**
 * Ultralytics-style heads, boxes already decoded to input pixels as centre x, centre y, width,
 * height, scores already through a sigmoid:
 *  - YOLOv5: [anchors, 5 + classes] with objectness; score = objectness x best class score.
 *  - YOLOv8/v11: [4 + classes, anchors] (channels first, no objectness); score = best class score.
 *    A transposed export ([anchors, 4 + classes]) is recognised by its shape.
 */
export class UltralyticsDecoder implements DetectorDecoder {
  constructor(
    private readonly model: string,
    private readonly output: string,
    private readonly version: 'yolov5' | 'yolov8',
    private readonly classes: number,
  ) {}

  checkShape(dims: readonly (number | string | undefined)[]): void {
    const [a, b] = dims;
    const width = this.version === 'yolov5' ? 5 + this.classes : 4 + this.classes;
    if (typeof a === 'number' && typeof b === 'number' && a !== width && b !== width) {
      throw new ModelShapeMismatchError(
        `output ${this.output} is [${a},${b}] but ${this.version} with ${this.classes} classes needs ${width} values per box`,
      );
    }
  }

  decode(outputs: ItemOutputs, scoreThreshold: number): Candidates {
    const { data, dims } = requireOutput(outputs, this.output);
    assertFinite(data, this.model, this.output);
    const [a = 0, b = 0] = dims;
    const out = new Candidates();
    if (this.version === 'yolov5') {
      const rowLen = 5 + this.classes;
      if (b !== rowLen)
        throw new ModelShapeMismatchError(`output ${this.output} rows have ${b} values, expected ${rowLen}`);
      for (let row = 0; row < a * rowLen; row += rowLen) {
        const obj = data[row + 4] as number;
        if (obj < scoreThreshold) continue;
        const [best, bestScore] = argmax(data, row + 5, 1, this.classes);
        const score = obj * bestScore;
        if (score >= scoreThreshold)
          out.pushCenter(
            data[row] as number,
            data[row + 1] as number,
            data[row + 2] as number,
            data[row + 3] as number,
            score,
            best,
          );
      }
      return out;
    }
    const width = 4 + this.classes;
    const channelsFirst = a === width;
    const anchors = channelsFirst ? b : a;
    // Element (k, i) of box i's k-th value.
    const at = channelsFirst
      ? (k: number, i: number) => data[k * anchors + i] as number
      : (k: number, i: number) => data[i * width + k] as number;
    for (let i = 0; i < anchors; i++) {
      const [best, score] = channelsFirst
        ? argmax(data, 4 * anchors + i, anchors, this.classes)
        : argmax(data, i * width + 4, 1, this.classes);
      if (score >= scoreThreshold) out.pushCenter(at(0, i), at(1, i), at(2, i), at(3, i), score, best);
    }
    return out;
  }
}

function argmax(data: ArrayLike<number>, start: number, step: number, count: number): [number, number] {
  let best = 0;
  let bestScore = -Infinity;
  for (let c = 0, j = start; c < count; c++, j += step) {
    const s = data[j] as number;
    if (s > bestScore) {
      bestScore = s;
      best = c;
    }
  }
  return [best, bestScore];
}
