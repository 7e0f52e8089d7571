import {
  assertCameraId,
  InvalidArgumentError,
  NotFoundError,
  type AsyncService,
  type CallContext,
  type MethodRoles,
} from '@va/common';
import {
  type InferenceServiceService,
  type DetectRequest,
  type DetectResponse,
  type EmbedRequest,
  type EmbedResponse,
  type ModelVersionStatus,
} from '@va/proto/va/inference/v1/inference';
import type { EmbedderStage } from '../pipeline/embedder-stage.js';
import type { RgbImage } from '../preprocess/image.js';
import type { EncodedImage, ImageIntake } from '../preprocess/image-intake.js';
import type { SourceRect } from '../preprocess/tensor-writer.js';
import type { ModelManager } from '../serving/model-manager.js';

export interface InferenceServiceOptions {
  /** Empty when no detector is configured (an embedding-only worker). */
  defaultDetector: string;
  /** Empty when no embedder is configured. */
  defaultEmbedder: string;
  /** Batcher priority of gRPC requests. */
  priority: number;
  /** Most crops (or boxes) in one Embed call. */
  maxCrops: number;
}

type Definition = typeof InferenceServiceService;

/** Who may call what: serving calls are for viewers, changing what is served is for admins. */
export const INFERENCE_ROLES: MethodRoles<Definition> = {
  detect: 'viewer',
  embed: 'viewer',
  modelStatus: 'viewer',
  loadModel: 'admin',
  unloadModel: 'admin',
  setCanary: 'admin',
  rollback: 'admin',
  promote: 'admin',
};

/**
 * va.inference.v1.InferenceService. Detect and Embed go through the same batchers as the frame
 * pipeline (at their own priority), so clients share batches with the cameras; a cancelled call
 * leaves the queue. Errors are our error classes, mapped to gRPC status at the server edge.
 */
export function inferenceService(
  manager: ModelManager,
  embedder: EmbedderStage | undefined,
  intake: ImageIntake,
  options: InferenceServiceOptions,
): AsyncService<Definition> {
  const submit = (ctx: CallContext) => ({ priority: options.priority, signal: ctx.signal });
  const statusOf = (model: string) => manager.status(model);

  return {
    detect: async (req: DetectRequest, ctx): Promise<DetectResponse> => {
      const cameraId = req.cameraId ? assertCameraId(req.cameraId) : undefined;
      if (!(req.scoreThreshold >= 0 && req.scoreThreshold <= 1))
        throw new InvalidArgumentError('score_threshold must be in [0, 1]', 'score_threshold');
      const model = req.model || options.defaultDetector;
      if (!model)
        throw new NotFoundError('no detector is configured (VA_INFERENCE_DETECTOR=none) and the request names none');
      const { images, release } = await intake.decode('detect', [{ bytes: req.image, what: 'image', kind: 'frame' }]);
      const image = images[0] as RgbImage;
      try {
        const served = manager.resolve(model, {
          ...(req.version ? { version: req.version } : {}),
          ...(cameraId ? { cameraId } : {}),
        });
        const r = await served.detect(
          { image, sourceWidth: image.width, sourceHeight: image.height, scoreThreshold: req.scoreThreshold },
          submit(ctx),
        );
        const { detections } = r.value.result;
        const embedderRef =
          req.withEmbeddings && embedder
            ? await embedder.attach(
                detections,
                image,
                { sourceWidth: image.width, sourceHeight: image.height, ...(cameraId ? { cameraId } : {}) },
                { signal: ctx.signal },
              )
            : undefined;
        return {
          detections,
          model: { name: served.name, version: served.version },
          imageWidth: image.width,
          imageHeight: image.height,
          inferenceMs: r.value.inferMs,
          queueMs: r.queueMs,
          batchSize: r.batchSize,
          ...(embedderRef ? { embedder: embedderRef } : {}),
        };
      } finally {
        release();
      }
    },

    embed: async (req: EmbedRequest, ctx): Promise<EmbedResponse> => {
      const count = req.crops.length + req.boxes.length;
      if (count === 0) throw new InvalidArgumentError('give crops, or a source image and boxes', 'crops');
      if (count > options.maxCrops)
        throw new InvalidArgumentError(`at most ${options.maxCrops} crops per call, got ${count}`, 'crops');
      if (req.boxes.length > 0 && req.sourceImage.byteLength === 0)
        throw new InvalidArgumentError('boxes need the image they are in', 'source_image');
      const model = req.model || options.defaultEmbedder;
      if (!model)
        throw new NotFoundError('no embedder is configured (VA_INFERENCE_EMBEDDER) and the request names none');
      const served = manager.resolve(model, req.version ? { version: req.version } : {});
      const boxes = req.boxes.map((b, i) => {
        if (!(b.x2 > b.x1 && b.y2 > b.y1)) throw new InvalidArgumentError(`boxes[${i}] is empty or inverted`, 'boxes');
        return { x: b.x1, y: b.y1, width: b.x2 - b.x1, height: b.y2 - b.y1 } satisfies SourceRect;
      });
      const encoded: EncodedImage[] = req.crops.map((bytes, i) => ({ bytes, what: `crops[${i}]`, kind: 'crop' }));
      if (boxes.length > 0) encoded.push({ bytes: req.sourceImage, what: 'source_image', kind: 'frame' });
      const { images, release } = await intake.decode('embed', encoded);
      try {
        const inputs: Array<{ image: RgbImage; crop?: SourceRect }> = images
          .slice(0, req.crops.length)
          .map((image) => ({ image }));
        const source = images[req.crops.length];
        if (source) for (const crop of boxes) inputs.push({ image: source, crop });
        // Every request settles before the budget is returned: a batch may still be writing a crop after another failed.
        const settled = await Promise.allSettled(
          inputs.map((input) => served.embed(input.image, input.crop, submit(ctx))),
        );
        const failed = settled.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
        const results = settled.map(
          (r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof served.embed>>>).value,
        );
        return {
          embeddings: results.map((r) => ({ values: r.value.result })),
          model: { name: served.name, version: served.version },
        };
      } finally {
        release();
      }
    },

    modelStatus: async (req) => {
      const models = statusOf(req.model);
      if (req.model && models.length === 0) throw new NotFoundError(`model ${req.model} is not loaded`);
      return { models };
    },

    loadModel: async (req) => {
      if (!req.model) throw new InvalidArgumentError('model is required', 'model');
      const served = await manager.load(req.model, req.version || undefined);
      return { status: statusOf(req.model).find((s) => s.version === served.version) as ModelVersionStatus };
    },

    unloadModel: async (req) => {
      if (!req.model) throw new InvalidArgumentError('model is required', 'model');
      await manager.unload(req.model, req.version || undefined);
      return {};
    },

    setCanary: async (req) => {
      await manager.setCanary(req.model, req.version, req.share);
      return { models: statusOf(req.model) };
    },

    rollback: async (req) => {
      await manager.rollback(req.model);
      return { models: statusOf(req.model) };
    },

    promote: async (req) => {
      await manager.promote(req.model);
      return { models: statusOf(req.model) };
    },
  };
}
