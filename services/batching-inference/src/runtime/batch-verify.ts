import type ort from 'onnxruntime-node';
import { errorMessage } from '@va/common';
import type { RgbImage } from '../preprocess/image.js';
import type { TensorWriter } from '../preprocess/tensor-writer.js';
import { itemOf, type InputGeometry } from '../tensors/tensors.js';
import { ModelRunner } from './model-runner.js';

export interface BatchVerification {
  ok: boolean;
  batch: number;
  /** Largest absolute difference between a batched output and the same image run alone. */
  maxAbsDiff: number;
  /** Largest absolute reference value (the scale the difference is judged against). */
  maxAbsRef: number;
  reason?: string;
}

/** Relative tolerance: float kernels may pick other code paths per batch size, but images must not leak into each other. */
const RELATIVE_TOLERANCE = 1e-4;

/**
 * Runs `batch` different synthetic images through `batched` as one batch and one by one
 * through `reference` (the model as exported), and compares every output. Distinct images per
 * slot catch graphs that mix images (batch-wide statistics, batch folded into another axis).
 */
export async function verifyBatching(
  batched: ort.InferenceSession,
  reference: ort.InferenceSession,
  inputName: string,
  geometry: InputGeometry,
  writer: TensorWriter,
  batch: number,
): Promise<BatchVerification> {
  const many = new ModelRunner(batched, inputName, geometry, batch);
  const one = new ModelRunner(reference, inputName, geometry, 1);
  const images = Array.from({ length: batch }, (_, i) => syntheticImage(geometry.width, geometry.height, i + 1));
  const full = { x: 0, y: 0, width: geometry.width, height: geometry.height };
  images.forEach((image, i) => writer.write(many.slot(i), image, full));
  let together;
  try {
    together = await many.run(batch);
  } catch (err) {
    return {
      ok: false,
      batch,
      maxAbsDiff: NaN,
      maxAbsRef: NaN,
      reason: `batched run failed: ${errorMessage(err).split('\n')[0]}`,
    };
  }
  let maxAbsDiff = 0;
  let maxAbsRef = 0;
  for (let i = 0; i < batch; i++) {
    writer.write(one.slot(0), images[i] as RgbImage, full);
    const alone = await one.run(1);
    for (const [name, ref] of Object.entries(alone.outputs)) {
      const got = together.outputs[name];
      if (!got)
        return { ok: false, batch, maxAbsDiff: NaN, maxAbsRef: NaN, reason: `batched run lacks output ${name}` };
      const a = ref.data as ArrayLike<number>;
      const b = itemOf(got, i).data as ArrayLike<number>;
      if (a.length !== b.length)
        return {
          ok: false,
          batch,
          maxAbsDiff: NaN,
          maxAbsRef: NaN,
          reason: `output ${name} has ${b.length} values per image batched, ${a.length} alone`,
        };
      for (let k = 0; k < a.length; k++) {
        const d = Math.abs((a[k] as number) - (b[k] as number));
        if (d > maxAbsDiff || Number.isNaN(d)) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
        const r = Math.abs(a[k] as number);
        if (r > maxAbsRef) maxAbsRef = r;
      }
    }
  }
  const ok = maxAbsDiff <= RELATIVE_TOLERANCE * Math.max(1, maxAbsRef);
  return ok
    ? { ok, batch, maxAbsDiff, maxAbsRef }
    : {
        ok,
        batch,
        maxAbsDiff,
        maxAbsRef,
        reason: `batched outputs differ from per-image outputs by up to ${maxAbsDiff.toPrecision(3)} (values up to ${maxAbsRef.toPrecision(3)})`,
      };
}

/** Deterministic pseudo-random pixels with some smooth structure, different per seed. */
export function syntheticImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed * 2654435761;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++, i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const smooth = ((x * (c + 1) * seed + y * (3 - c)) >> 2) & 0xff;
        data[i] = (smooth + ((s >>> 24) & 0x3f)) & 0xff;
      }
    }
  }
  return { data, width, height, order: 'RGB' };
}
