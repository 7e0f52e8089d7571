import { iou as boxIou } from '@va/common';
import type { Detection } from '@va/proto/va/common/v1/detection';
import { DetectorHead } from '../inference/detector-head.js';
import type { EmbedderHead } from '../inference/embedder-head.js';
import type { RgbImage } from '../preprocess/image.js';
import { executeBatch } from './execute-batch.js';
import type { ModelRunner } from './model-runner.js';

export interface TransformVerification {
  ok: boolean;
  /** Detections (or embedding values) compared. */
  compared: number;
  reason?: string;
}

/** Low enough for synthetic images to yield boxes to compare; the served threshold is fed per batch. */
const VERIFY_SCORE = 0.02;

/**
 * Runs the same images through the plain path (JS normalisation, JS decode and NMS) and the
 * transformed graph, and requires the same results: the same detections (class, score within
 * 1e-3, IoU >= 0.98) or embeddings within 1e-4.
 */
export async function verifyTransforms(
  plain: { runner: ModelRunner; head: DetectorHead | EmbedderHead },
  transformed: { runner: ModelRunner; head: DetectorHead | EmbedderHead },
  images: RgbImage[],
): Promise<TransformVerification> {
  const jobsFor = (head: DetectorHead | EmbedderHead) =>
    images.map((image) =>
      head instanceof DetectorHead
        ? head.job({ image, sourceWidth: image.width, sourceHeight: image.height, scoreThreshold: VERIFY_SCORE })
        : head.job(image),
    );
  const a = await executeBatch(plain.runner, jobsFor(plain.head) as never[]);
  const b = await executeBatch(transformed.runner, jobsFor(transformed.head) as never[]);
  let compared = 0;
  for (let i = 0; i < images.length; i++) {
    const x = a.results[i] as unknown;
    const y = b.results[i] as unknown;
    if (x instanceof Error || y instanceof Error)
      return { ok: false, compared, reason: `image ${i}: ${(x instanceof Error ? x : (y as Error)).message}` };
    if (Array.isArray(x)) {
      const diff = Math.max(...(x as number[]).map((v, k) => Math.abs(v - ((y as number[])[k] as number))));
      if (!(diff <= 1e-4)) return { ok: false, compared, reason: `embedding differs by ${diff}` };
      compared += x.length;
      continue;
    }
    const dx = (x as { detections: Detection[] }).detections;
    const dy = (y as { detections: Detection[] }).detections;
    if (dx.length !== dy.length)
      return {
        ok: false,
        compared,
        reason: `image ${i}: ${dx.length} detections on the plain path, ${dy.length} in the graph`,
      };
    for (const d of dx) {
      if (!dy.some((e) => e.classId === d.classId && Math.abs(e.score - d.score) <= 1e-3 && iou(e, d) >= 0.98)) {
        return {
          ok: false,
          compared,
          reason: `image ${i}: a ${d.className} at score ${d.score.toFixed(3)} has no match in the graph's output`,
        };
      }
    }
    compared += dx.length;
  }
  return { ok: true, compared };
}

/** IoU of the two boxes; two identical empty boxes count as the same (1). */
function iou(a: Detection, b: Detection): number {
  const p = a.box as NonNullable<Detection['box']>;
  const q = b.box as NonNullable<Detection['box']>;
  return p.x1 === q.x1 && p.x2 === q.x2 && p.y1 === q.y1 && p.y2 === q.y2 ? 1 : boxIou(p, q);
}
