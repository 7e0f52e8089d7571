import { z } from 'zod';
import { ModelConfigError } from '../model-errors.js';

/**
 * The config.json of one model in the repository (<repo>/<name>/config.json, optionally
 * overridden per version by <repo>/<name>/<version>/config.json). Unknown keys are errors, so a
 * typo cannot silently fall back to a default. Field names follow Triton's where one exists.
 */

export const EXECUTION_PROVIDERS = ['tensorrt', 'cuda', 'webgpu', 'cpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

const triple = z.tuple([z.number(), z.number(), z.number()]);
const positiveInt = (max: number) => z.number().int().min(1).max(max);

const inputSchema = z.strictObject({
  /** Name of the graph input. */
  name: z.string().min(1),
  width: positiveInt(8192),
  height: positiveInt(8192),
  layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
  /** Channel order the model was trained on. */
  channelOrder: z.enum(['RGB', 'BGR']).default('RGB'),
  /** Element type of the model file's input; a uint8 model takes the 0..255 pixels as they are. */
  dtype: z.enum(['float32', 'uint8']).default('float32'),
  /** value = (pixel * scale - mean[c]) / std[c], per channel in the model's channel order. */
  scale: z.number().positive().default(1),
  mean: triple.default([0, 0, 0]),
  std: triple.refine((s) => s.every((v) => v > 0), 'std values must be > 0').default([1, 1, 1]),
  /** letterbox: keep aspect ratio and pad; stretch: resize to the input size. */
  resize: z.enum(['letterbox', 'stretch']).default('letterbox'),
  /** Where the letterboxed picture sits: YOLOX's own demo pads right and bottom (top-left). */
  letterboxAlign: z.enum(['center', 'top-left']).default('center'),
  padValue: z.number().int().min(0).max(255).default(114),
});

const yolox = z.strictObject({
  decoder: z.literal('yolox'),
  name: z.string().min(1),
  strides: z.array(positiveInt(256)).min(1).default([8, 16, 32]),
  /** true when the export already turned grid offsets into pixel boxes (decode_in_inference). */
  boxesDecoded: z.boolean().default(false),
});
const yolov5 = z.strictObject({ decoder: z.literal('yolov5'), name: z.string().min(1) });
const yolov8 = z.strictObject({ decoder: z.literal('yolov8'), name: z.string().min(1) });
const embedding = z.strictObject({
  decoder: z.literal('embedding'),
  name: z.string().min(1),
  dimensions: positiveInt(65536),
  normalize: z.boolean().default(true),
});
const outputSchema = z.discriminatedUnion('decoder', [yolox, yolov5, yolov8, embedding]);

const thresholdsSchema = z.strictObject({
  /** Final confidence (objectness x class score) below which a candidate is dropped. */
  score: z.number().min(0).max(1).default(0.3),
  /** IoU above which the lower-scored box of the same class is suppressed. */
  nmsIou: z.number().min(0).max(1).default(0.45),
  classAgnosticNms: z.boolean().default(false),
  /** Candidates kept before NMS (highest scores) and detections kept after it. */
  preNmsTopK: positiveInt(100_000).default(1000),
  maxDetections: positiveInt(10_000).default(100),
});

const batchingSchema = z
  .strictObject({
    maxBatchSize: positiveInt(256).default(8),
    /** Batch sizes worth waiting for (Triton preferred_batch_size); empty means maxBatchSize. */
    preferredBatchSizes: z.array(positiveInt(256)).default([]),
    /** How long the oldest request may wait for a fuller batch (Triton max_queue_delay). */
    maxQueueDelayMs: z.number().min(0).max(10_000).default(2),
    /** Requests waiting beyond this are refused with RESOURCE_EXHAUSTED. */
    maxQueueSize: positiveInt(100_000).default(64),
    /** A request still queued after this is rejected with DEADLINE_EXCEEDED. */
    timeoutMs: z.number().positive().max(600_000).default(1000),
    /** Priority levels; 1 is the highest. Higher levels are batched only when 1 is empty. */
    priorityLevels: positiveInt(8).default(1),
    /** Fill a batch with blank images up to the next preferred size (helps engines with fixed profiles). */
    padToPreferred: z.boolean().default(false),
    /**
     * auto: rewrite a static batch of 1 to a symbolic one and verify it, else serve unbatched;
     * off: never rewrite (a static batch of 1 is served unbatched).
     */
    dynamicBatch: z.enum(['auto', 'off']).default('auto'),
  })
  .superRefine((b, ctx) => {
    for (const p of b.preferredBatchSizes) {
      if (p > b.maxBatchSize)
        ctx.addIssue({
          code: 'custom',
          path: ['preferredBatchSizes'],
          message: `${p} exceeds maxBatchSize ${b.maxBatchSize}`,
        });
    }
  });

/**
 * Work moved into the graph so less data crosses between host and device (DESIGN.md: reading
 * back YOLOX's raw output is about half of a batch's time on a GPU). Each is verified at load
 * against the plain path on the same inputs and dropped with a warning when it differs.
 * 'auto': only on a GPU provider; on the CPU provider it was measured to gain nothing (BENCHMARKS.md).
 */
const inGraphChoice = z.union([z.boolean(), z.literal('auto')]).default(false);
const inGraphSchema = z.strictObject({
  /** Feed uint8 pixels; a Cast and the normalisation are prepended (a quarter of the bytes uploaded). */
  normalize: inGraphChoice,
  /** Append grid decode, score threshold and NonMaxSuppression: only kept boxes come back. */
  postprocess: inGraphChoice,
});

export const modelConfigSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be lower-case letters, digits, "_", "-" or "." (max 64)'),
    kind: z.enum(['detector', 'embedder']),
    description: z.string().default(''),
    input: inputSchema,
    output: outputSchema,
    /** Detector class names by class id. */
    classes: z.array(z.string().min(1)).default([]),
    thresholds: thresholdsSchema.default(thresholdsSchema.parse({})),
    batching: batchingSchema.default(batchingSchema.parse({})),
    /** Tried in this order; the first that creates a session is used. */
    executionProviders: z.array(z.enum(EXECUTION_PROVIDERS)).min(1).default(['cpu']),
    inGraph: inGraphSchema.default(inGraphSchema.parse({})),
    /**
     * version -> model file relative to the shared folder (VA_SHARED_DIR), used when
     * <version>/model.onnx does not exist. Lets the repository ship configs without model files.
     */
    sources: z
      .record(z.string().regex(/^[0-9]{1,9}$/, 'versions are positive integers'), z.string().min(1))
      .default({}),
  })
  .superRefine((c, ctx) => {
    const isDetector = c.kind === 'detector';
    if (isDetector === (c.output.decoder === 'embedding')) {
      ctx.addIssue({
        code: 'custom',
        path: ['output', 'decoder'],
        message: `decoder ${c.output.decoder} does not fit kind ${c.kind}`,
      });
    }
    if (isDetector && c.classes.length === 0)
      ctx.addIssue({ code: 'custom', path: ['classes'], message: 'a detector needs its class names' });
    if (c.inGraph.normalize === true && c.input.dtype !== 'float32') {
      ctx.addIssue({ code: 'custom', path: ['inGraph', 'normalize'], message: 'the model already takes uint8 input' });
    }
    if (c.inGraph.postprocess === true && c.output.decoder !== 'yolox') {
      ctx.addIssue({
        code: 'custom',
        path: ['inGraph', 'postprocess'],
        message: 'in-graph post-processing is implemented for the yolox decoder only',
      });
    }
  });

export type ModelConfig = z.output<typeof modelConfigSchema>;
export type InputConfig = ModelConfig['input'];
export type OutputConfig = ModelConfig['output'];
export type BatchingConfig = ModelConfig['batching'];
export type Thresholds = ModelConfig['thresholds'];

/** Parses a config object (already merged from the model and version files); throws ModelConfigError with every problem. */
export function parseModelConfig(raw: unknown, file: string): ModelConfig {
  const result = modelConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ModelConfigError(
      file,
      result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  return result.data;
}

/** The version's own config.json overrides the model's, one section at a time. */
export function mergeConfigs(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? { ...prev, ...value } : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
