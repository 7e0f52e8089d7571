import ort from 'onnxruntime-node';
import type { InputArray, InputGeometry, OutputTensor } from '../tensors/tensors.js';

export interface RunResult {
  outputs: Record<string, OutputTensor>;
  /** Batch size the session ran (>= the images given when padded). */
  ranBatch: number;
  ms: number;
}

/**
 * A session with one preallocated input buffer for its largest batch. Preprocessing writes each
 * image straight into its slot (`slot(i)`); `run(n)` hands the first n slots to ONNX Runtime as
 * one tensor without copying them again.
 */
export class ModelRunner {
  readonly input: InputArray;
  readonly itemSize: number;
  private readonly itemDims: number[];

  constructor(
    readonly session: ort.InferenceSession,
    readonly inputName: string,
    readonly geometry: InputGeometry,
    readonly maxBatch: number,
    /** A graph input taking the batch's score threshold (in-graph NMS), fed with every run. */
    readonly scoreThresholdInput?: string,
  ) {
    const { width, height, layout } = geometry;
    this.itemDims = layout === 'NCHW' ? [3, height, width] : [height, width, 3];
    this.itemSize = 3 * width * height;
    this.input =
      geometry.dtype === 'uint8'
        ? new Uint8Array(maxBatch * this.itemSize)
        : new Float32Array(maxBatch * this.itemSize);
  }

  /** The part of the batch buffer that image i of the next run is written into. */
  slot(i: number): InputArray {
    if (i < 0 || i >= this.maxBatch) throw new RangeError(`slot ${i} outside batch of ${this.maxBatch}`);
    return this.input.subarray(i * this.itemSize, (i + 1) * this.itemSize);
  }

  /** Runs the first `n` slots; with `padTo` > n the slots in between are zeroed and run too. */
  async run(n: number, padTo = n, scoreThreshold = 0): Promise<RunResult> {
    const batch = Math.max(n, Math.min(padTo, this.maxBatch));
    if (n < 1 || batch > this.maxBatch) throw new RangeError(`batch of ${n} outside 1..${this.maxBatch}`);
    if (batch > n) this.input.fill(0, n * this.itemSize, batch * this.itemSize);
    const data = this.input.subarray(0, batch * this.itemSize);
    const tensor =
      this.geometry.dtype === 'uint8'
        ? new ort.Tensor('uint8', data as Uint8Array, [batch, ...this.itemDims])
        : new ort.Tensor('float32', data as Float32Array, [batch, ...this.itemDims]);
    const started = performance.now();
    const feeds: Record<string, ort.Tensor> = { [this.inputName]: tensor };
    if (this.scoreThresholdInput)
      feeds[this.scoreThresholdInput] = new ort.Tensor('float32', Float32Array.of(scoreThreshold), [1]);
    const results = await this.session.run(feeds);
    const ms = performance.now() - started;
    const outputs: Record<string, OutputTensor> = {};
    for (const [name, value] of Object.entries(results)) {
      outputs[name] = { data: value.data as OutputTensor['data'], dims: value.dims };
    }
    return { outputs, ranBatch: batch, ms };
  }

  private released = false;

  /** Frees the session; safe to call more than once. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}
