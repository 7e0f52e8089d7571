import type { InputArray, OutputTensor } from './tensors.js';

/**
 * One image's work in a batch: write its input into its slot of the batch buffer, then turn its
 * share of the outputs into a result. Requests carry these, not tensors, so the only copy of
 * the pixels into the model's input happens here, straight into the batch buffer.
 */
export interface InferenceJob<R> {
  write(slot: InputArray): void;
  /** `outputs` of the whole batch; `index` is this job's image in it. */
  read(outputs: Record<string, OutputTensor>, index: number): R;
  /** Lowest score this job keeps (graphs with in-graph NMS get the batch's lowest). */
  scoreThreshold?: number;
}
