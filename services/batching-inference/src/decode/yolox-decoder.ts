import { ModelShapeMismatchError } from '../model-errors.js';
import { assertFinite, Candidates, requireOutput, type DetectorDecoder } from './candidates.js';
import type { ItemOutputs } from '../tensors/tensors.js';

/** The anchor grid of a YOLOX head: one cell per stride and position, in the order the head emits them. */
export interface AnchorGrid {
  gx: Float32Array;
  gy: Float32Array;
  stride: Float32Array;
}

export function anchorGrid(inputWidth: number, inputHeight: number, strides: readonly number[]): AnchorGrid {
  const cells = strides.map((s) => Math.floor(inputHeight / s) * Math.floor(inputWidth / s));
  const n = cells.reduce((a, b) => a + b, 0);
  const grid: AnchorGrid = { gx: new Float32Array(n), gy: new Float32Array(n), stride: new Float32Array(n) };
  let i = 0;
  for (const s of strides) {
    const rows = Math.floor(inputHeight / s);
    const cols = Math.floor(inputWidth / s);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++, i++) {
        grid.gx[i] = x;
        grid.gy[i] = y;
        grid.stride[i] = s;
      }
    }
  }
  return grid;
}

/**
 * YOLOX head output [anchors, 5 + classes]: grid offsets and log sizes per stride (unless the
 * export decoded them), then objectness and class scores already through a sigmoid. The score of a
 * box is objectness x its best class score, as in YOLOX's own postprocess.
 */
export class YoloxDecoder implements DetectorDecoder {
  private readonly grid: AnchorGrid;

  constructor(
    private readonly model: string,
    private readonly output: string,
    inputWidth: number,
    inputHeight: number,
    strides: readonly number[],
    private readonly classes: number,
    private readonly boxesDecoded: boolean,
  ) {
    this.grid = anchorGrid(inputWidth, inputHeight, strides);
  }

  /** Checks the output shape (without the batch dimension) against the grid and class count. */
  checkShape(dims: readonly (number | string | undefined)[]): void {
    const [anchors, width] = dims;
    const expected = this.grid.gx.length;
    if (typeof anchors === 'number' && anchors !== expected) {
      throw new ModelShapeMismatchError(
        `output ${this.output} has ${anchors} anchors but the input size and strides give ${expected}`,
      );
    }
    if (typeof width === 'number' && width !== 5 + this.classes) {
      throw new ModelShapeMismatchError(
        `output ${this.output} rows have ${width} values but 5 + ${this.classes} classes need ${5 + this.classes}`,
      );
    }
  }

  decode(outputs: ItemOutputs, scoreThreshold: number): Candidates {
    const { data } = requireOutput(outputs, this.output);
    assertFinite(data, this.model, this.output);
    const { gx, gy, stride } = this.grid;
    const rowLen = 5 + this.classes;
    const n = gx.length;
    if (data.length !== n * rowLen)
      throw new ModelShapeMismatchError(`output ${this.output} holds ${data.length} values, expected ${n} x ${rowLen}`);
    const out = new Candidates();
    for (let i = 0, row = 0; i < n; i++, row += rowLen) {
      const obj = data[row + 4] as number;
      if (obj < scoreThreshold) continue;
      let best = 0;
      let bestScore = -1;
      for (let c = 0; c < this.classes; c++) {
        const s = data[row + 5 + c] as number;
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      const score = obj * bestScore;
      if (score < scoreThreshold) continue;
      const s = stride[i] as number;
      if (this.boxesDecoded) {
        out.pushCenter(
          data[row] as number,
          data[row + 1] as number,
          data[row + 2] as number,
          data[row + 3] as number,
          score,
          best,
        );
      } else {
        const cx = ((data[row] as number) + (gx[i] as number)) * s;
        const cy = ((data[row + 1] as number) + (gy[i] as number)) * s;
        out.pushCenter(
          cx,
          cy,
          Math.exp(data[row + 2] as number) * s,
          Math.exp(data[row + 3] as number) * s,
          score,
          best,
        );
      }
    }
    return out;
  }
}
