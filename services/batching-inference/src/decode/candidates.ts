import { NonFiniteOutputError } from '../model-errors.js';
import type { ItemOutputs } from '../tensors/tensors.js';

/** Boxes a detector proposed for one image, in model-input pixels, before NMS. */
export class Candidates {
  x1: number[] = [];
  y1: number[] = [];
  x2: number[] = [];
  y2: number[] = [];
  score: number[] = [];
  classId: number[] = [];

  get length(): number {
    return this.score.length;
  }

  push(x1: number, y1: number, x2: number, y2: number, score: number, classId: number): void {
    this.x1.push(x1);
    this.y1.push(y1);
    this.x2.push(x2);
    this.y2.push(y2);
    this.score.push(score);
    this.classId.push(classId);
  }

  pushCenter(cx: number, cy: number, w: number, h: number, score: number, classId: number): void {
    this.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, classId);
  }
}

/** Decodes one image's raw outputs into candidates with score >= threshold. */
export interface DetectorDecoder {
  decode(outputs: ItemOutputs, scoreThreshold: number): Candidates;
}

/** Throws NonFiniteOutputError when a NaN or infinity is anywhere in `data`. */
export function assertFinite(data: ArrayLike<number>, model: string, output: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    // v - v is 0 for every finite number and NaN for NaN and +-Infinity.
    if (v - v !== 0) throw new NonFiniteOutputError(model, output);
  }
}

export function requireOutput(
  outputs: ItemOutputs,
  name: string,
): { data: ArrayLike<number>; dims: readonly number[] } {
  const out = outputs[name];
  if (!out) throw new Error(`model output ${name} missing (have ${Object.keys(outputs).join(', ')})`);
  return out;
}
