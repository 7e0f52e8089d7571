import type { ItemOutputs } from '../decode/candidates.js';
import { itemOf, type InputArray, type ModelRunner, type OutputTensor } from './model-runner.js';

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

export interface BatchTimings {
  /** Writing inputs into the batch buffer. */
  inputMs: number;
  /** session.run. */
  inferMs: number;
  /** Decoding every item's outputs. */
  outputMs: number;
  /** Batch size the session ran (larger than the job count when padded). */
  ranBatch: number;
}

/**
 * Runs jobs as one batch on `runner`. A job that fails to write or read fails alone; a failed
 * session run fails the batch (thrown).
 */
export async function executeBatch<R>(runner: ModelRunner, jobs: ReadonlyArray<InferenceJob<R>>, padTo = jobs.length): Promise<{ results: Array<R | Error>; timings: BatchTimings }> {
  const results: Array<R | Error | undefined> = new Array(jobs.length);
  const t0 = performance.now();
  jobs.forEach((job, i) => {
    const slot = runner.slot(i);
    try {
      job.write(slot);
    } catch (err) {
      results[i] = err instanceof Error ? err : new Error(String(err));
      slot.fill(0);
    }
  });
  const t1 = performance.now();
  const threshold = Math.min(...jobs.map((j) => j.scoreThreshold ?? Infinity));
  const run = await runner.run(jobs.length, padTo, Number.isFinite(threshold) ? threshold : 0);
  const t2 = performance.now();
  jobs.forEach((job, i) => {
    if (results[i] !== undefined) return;
    try {
      results[i] = job.read(run.outputs, i);
    } catch (err) {
      results[i] = err instanceof Error ? err : new Error(String(err));
    }
  });
  const t3 = performance.now();
  return { results: results as Array<R | Error>, timings: { inputMs: t1 - t0, inferMs: t2 - t1, outputMs: t3 - t2, ranBatch: run.ranBatch } };
}

/** Image `index`'s share of outputs whose leading dimension is the batch. */
export function itemOutputs(outputs: Record<string, OutputTensor>, index: number): ItemOutputs {
  const items: ItemOutputs = {};
  for (const [name, tensor] of Object.entries(outputs)) items[name] = itemOf(tensor, index) as ItemOutputs[string];
  return items;
}
