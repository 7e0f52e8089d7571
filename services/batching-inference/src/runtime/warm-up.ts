import { errorMessage } from '@va/common';
import { assertFinite } from '../decode/candidates.js';
import type { ModelHead } from '../inference/model-head.js';
import { ModelWarmupError } from '../model-errors.js';
import type { ModelRunner } from './model-runner.js';

/** Runs the largest batch once on blank (pad-coloured) images: allocates buffers and proves the outputs are finite. */
export async function warmUp(runner: ModelRunner, head: ModelHead, model: string): Promise<void> {
  const { writer } = head;
  const { width, height } = runner.geometry;
  const blank = {
    data: new Uint8Array(3 * width * height).fill(writer.spec.padValue),
    width,
    height,
    order: 'RGB' as const,
  };
  for (let i = 0; i < runner.maxBatch; i++) writer.write(runner.slot(i), blank, { x: 0, y: 0, width, height });
  let outputs;
  try {
    outputs = (await runner.run(runner.maxBatch)).outputs;
  } catch (err) {
    throw new ModelWarmupError(`warm-up run of ${model} failed: ${errorMessage(err).split('\n')[0]}`, { cause: err });
  }
  for (const [name, out] of Object.entries(outputs)) {
    if (out.data instanceof Float32Array) {
      try {
        assertFinite(out.data, model, name);
      } catch {
        throw new ModelWarmupError(
          `warm-up run of ${model} produced NaN or infinite values in output ${name} on a blank image`,
        );
      }
    }
  }
  head.checkOutputs(outputs);
}
