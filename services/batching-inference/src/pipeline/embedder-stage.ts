import { errorMessage, type Logger } from '@va/common';
import type { Detection, ModelRef } from '@va/proto/va/common/v1/detection';
import type { Letterbox } from '@va/proto/va/common/v1/frame';
import { cropRect, selectForEmbedding, type EmbeddingPolicy } from '../inference/embedding-policy.js';
import type { InferenceMetrics } from '../metrics.js';
import type { RgbImage } from '../preprocess/image.js';
import type { ModelManager } from '../serving/model-manager.js';

/**
 * The secondary model: appearance embeddings for crops of the selected classes. Every crop is
 * its own request to the embedder's batcher, so crops of all frames and cameras share its
 * batches. An embedder that is missing or fails leaves the detections without embeddings (and
 * the batch without an embedder reference); detections are never held back for it.
 */
export class EmbedderStage {
  private readonly log: Logger;
  private lastWarn = 0;

  constructor(
    private readonly manager: ModelManager,
    readonly model: string,
    private readonly policy: EmbeddingPolicy,
    private readonly metrics: InferenceMetrics,
    log: Logger,
    private readonly priority: number,
  ) {
    this.log = log.child({ component: 'embedder-stage', model });
  }

  /** Fills `embedding` of the selected detections in place; returns the embedder used, if any crop got one. */
  async attach(
    detections: Detection[],
    image: RgbImage,
    frame: { sourceWidth: number; sourceHeight: number; letterbox?: Letterbox | undefined; cameraId?: string },
    request: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<ModelRef | undefined> {
    const picked = selectForEmbedding(detections, this.policy);
    if (picked.length === 0) return undefined;
    let served;
    try {
      served = this.manager.resolve(this.model, frame.cameraId ? { cameraId: frame.cameraId } : {});
    } catch (err) {
      this.warn('embedder unavailable; detections published without embeddings', err);
      return undefined;
    }
    const results = await Promise.allSettled(
      picked.map((i) => {
        const d = detections[i] as Detection;
        const rect = cropRect(
          d.box as NonNullable<Detection['box']>,
          image,
          frame.sourceWidth,
          frame.sourceHeight,
          frame.letterbox,
        );
        return served.embed(image, rect, { priority: this.priority, ...request });
      }),
    );
    let attached = 0;
    results.forEach((r, k) => {
      if (r.status === 'fulfilled') {
        (detections[picked[k] as number] as Detection).embedding = r.value.value.result;
        attached++;
      }
    });
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) this.warn('some crops got no embedding', (failed as PromiseRejectedResult).reason);
    if (attached === 0) return undefined;
    this.metrics.embeddings.inc({ model: this.model }, attached);
    return { name: served.name, version: served.version };
  }

  private warn(message: string, err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarn < 10_000) return;
    this.lastWarn = now;
    this.log.warn({ err: errorMessage(err) }, message);
  }
}
