import type { Detection } from '@va/proto/va/common/v1/detection';
import type { Letterbox } from '@va/proto/va/common/v1/frame';
import { imageTransform } from '../preprocess/letterbox.js';
import type { SourceRect } from '../preprocess/tensor-writer.js';

/** Which detections get an appearance embedding. */
export interface EmbeddingPolicy {
  /** Class names to embed (person by default). */
  classes: ReadonlySet<string>;
  /** Skip boxes smaller than this on either side, in source pixels (too few pixels to describe). */
  minSidePx: number;
  /** At most this many per frame, highest scores first. */
  maxPerFrame: number;
  /** Skip detections scoring below this (low-score boxes are often not objects). */
  minScore: number;
}

/** Indices of the detections to embed, best score first. */
export function selectForEmbedding(detections: readonly Detection[], policy: EmbeddingPolicy): number[] {
  const picked: number[] = [];
  detections.forEach((d, i) => {
    const b = d.box;
    if (!b || !policy.classes.has(d.className) || d.score < policy.minScore) return;
    if (b.x2 - b.x1 < policy.minSidePx || b.y2 - b.y1 < policy.minSidePx) return;
    picked.push(i);
  });
  picked.sort((a, b) => (detections[b] as Detection).score - (detections[a] as Detection).score);
  return picked.slice(0, policy.maxPerFrame);
}

/**
 * A detection's box (source-frame pixels) in the pixels of the image that was detected on: the
 * same image scaled down by ingest, or the letterboxed model-size image ingest sent.
 */
export function cropRect(
  box: NonNullable<Detection['box']>,
  image: { width: number; height: number },
  sourceWidth: number,
  sourceHeight: number,
  letterbox?: Letterbox,
): SourceRect {
  const t = imageTransform(image, sourceWidth, sourceHeight, letterbox);
  return {
    x: box.x1 * t.sx + t.padX,
    y: box.y1 * t.sy + t.padY,
    width: (box.x2 - box.x1) * t.sx,
    height: (box.y2 - box.y1) * t.sy,
  };
}

export const DEFAULT_EMBEDDING_POLICY: EmbeddingPolicy = {
  classes: new Set(['person']),
  minSidePx: 8,
  maxPerFrame: 32,
  minScore: 0.3,
};
