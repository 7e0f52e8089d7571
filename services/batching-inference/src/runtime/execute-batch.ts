import type { InferenceJob } from '../tensors/inference-job.js';
import type { ModelRunner } from './model-runner.js';

/** The jobs executeBatch runs; defined with the tensors so that heads need not import the runtime. */
export type { InferenceJob } from '../tensors/inference-job.js';

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
export async function executeBatch<R>(
  runner: ModelRunner,
  jobs: ReadonlyArray<InferenceJob<R>>,
  padTo = jobs.length,
): Promise<{ results: Array<R | Error>; timings: BatchTimings }> {
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
  return {
    results: results as Array<R | Error>,
    timings: { inputMs: t1 - t0, inferMs: t2 - t1, outputMs: t3 - t2, ranBatch: run.ranBatch },
  };
}
