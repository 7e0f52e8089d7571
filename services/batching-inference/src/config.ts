import { availableParallelism } from 'node:os';
import { z } from 'zod';
import {
  bool,
  ConfigError,
  int,
  list,
  loadBaseConfig,
  loadGrpcServerConfig,
  loadNatsConfig,
  loadPieces,
  num,
  parseEnv,
  type Env,
} from '@va/common';
import type { ImageLimits } from './preprocess/image-intake.js';
import { DEFAULT_REPOSITORY_DIR, DEFAULT_SHARED_DIR } from './repository/default-paths.js';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from './repository/model-config.js';

export const DEFAULT_GRPC_PORT = 50052;
export const DEFAULT_HTTP_PORT = 9462;
const MIB = 1024 * 1024;

const providerList = list().pipe(
  z.array(z.enum(EXECUTION_PROVIDERS, { error: `each must be one of ${EXECUTION_PROVIDERS.join(', ')}` })),
);

/** The service's own keys (documented in services/batching-inference/README.md). */
export const inferenceEnv = {
  // Model repository: <dir>/<model>/config.json and <dir>/<model>/<version>/model.onnx.
  VA_INFERENCE_MODEL_REPOSITORY: z.string().default(DEFAULT_REPOSITORY_DIR),
  // Folder that the repository's "sources" paths are relative to (models/ and data/).
  VA_SHARED_DIR: z.string().default(DEFAULT_SHARED_DIR),
  // Models loaded at start-up (their latest versions); default: the detector and the embedder.
  VA_INFERENCE_MODELS: list(),
  // "none" loads no detector: an embedding-only worker (needs VA_INFERENCE_PIPELINE=false).
  VA_INFERENCE_DETECTOR: z.string().min(1).default('yolox_nano'),
  // "none" turns embeddings off.
  VA_INFERENCE_EMBEDDER: z.string().min(1).default('osnet_x0_25_msmt17'),
  VA_INFERENCE_EMBED_CLASSES: list(['person']),
  VA_INFERENCE_EMBED_MAX_PER_FRAME: int(32, 0, 1000),
  VA_INFERENCE_EMBED_MIN_SIDE_PX: int(8, 1, 10_000),
  VA_INFERENCE_EMBED_MIN_SCORE: num(0.3, 0, 1),
  // ONNX Runtime intra-op threads per session; default one core left for decoding and I/O.
  VA_INFERENCE_THREADS: int(Math.max(1, availableParallelism() - 1), 1, 256),
  VA_INFERENCE_THREAD_SPINNING: bool(false),
  // Replaces every model's configured provider list, e.g. "cpu" on a host without a GPU.
  VA_INFERENCE_EXECUTION_PROVIDERS: providerList.optional(),
  // libvips threads for JPEG decoding (off the event loop).
  VA_INFERENCE_IMAGE_THREADS: int(1, 1, 64),
  // Subscribe to va.frames.* (off: gRPC only).
  VA_INFERENCE_PIPELINE: bool(true),
  VA_INFERENCE_QUEUE_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .default('batching-inference'),
  VA_INFERENCE_CAMERA_QUEUE: int(1, 0, 1000),
  VA_INFERENCE_CAMERA_IN_FLIGHT: int(2, 1, 1000),
  // Frames captured longer ago than this when their turn comes are dropped (0: never).
  VA_INFERENCE_MAX_FRAME_AGE_MS: int(2000, 0, 3_600_000),
  VA_INFERENCE_MAX_PENDING_FRAMES: int(256, 1, 100_000),
  // Frames being processed at once, all cameras: more wait in admission, where newer frames replace them.
  VA_INFERENCE_MAX_IN_FLIGHT_FRAMES: int(8, 1, 100_000),
  // Batcher priorities (1 is the highest) of camera frames and of gRPC calls.
  VA_INFERENCE_PIPELINE_PRIORITY: int(1, 1, 8),
  VA_INFERENCE_GRPC_PRIORITY: int(2, 1, 8),
  VA_INFERENCE_EMBED_MAX_CROPS: int(256, 1, 10_000),
  // Decompression bombs: pixels one image may claim in its header, decoded RGB bytes of one
  // request, and decoded bytes of all requests and frames together (over it: RESOURCE_EXHAUSTED).
  VA_INFERENCE_MAX_FRAME_PIXELS: int(4096 * 4096, 1, 2 ** 31),
  VA_INFERENCE_MAX_CROP_PIXELS: int(2048 * 2048, 1, 2 ** 31),
  VA_INFERENCE_MAX_DECODED_BYTES_PER_REQUEST: int(128 * MIB, 3, 2 ** 40),
  VA_INFERENCE_MAX_DECODED_BYTES_IN_FLIGHT: int(512 * MIB, 3, 2 ** 40),
  VA_INFERENCE_PUBLISH_RETRIES: int(3, 0, 20),
  VA_INFERENCE_PUBLISH_TIMEOUT_MS: int(5000, 100, 120_000),
  // NATS KV bucket where canary rollouts are shared by every worker ("" keeps them per process).
  VA_INFERENCE_ROLLOUT_BUCKET: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/)
    .default('va-inference-rollouts'),
  // GPU memory for the "under 80 % of the card" objective: nvidia-smi polled this often (0: off).
  VA_INFERENCE_GPU_POLL_MS: int(10_000, 0, 3_600_000),
  VA_INFERENCE_NVIDIA_SMI: z.string().min(1).default('nvidia-smi'),
};

export interface InferenceConfig {
  repository: string;
  sharedDir: string;
  models: string[];
  /** Undefined with VA_INFERENCE_DETECTOR=none (gRPC Embed only). */
  detector: string | undefined;
  embedder: string | undefined;
  embedding: { classes: string[]; maxPerFrame: number; minSidePx: number; minScore: number };
  session: { intraOpThreads: number; allowSpinning: boolean };
  providers: ExecutionProvider[] | undefined;
  imageThreads: number;
  pipeline: {
    enabled: boolean;
    queueGroup: string;
    perCameraQueue: number;
    perCameraInFlight: number;
    maxFrameAgeMs: number;
    maxPending: number;
    maxInFlight: number;
    priority: number;
  };
  grpc: { priority: number; maxCrops: number };
  images: ImageLimits & { maxDecodedBytesInFlight: number };
  publish: { retries: number; timeoutMs: number };
  rolloutBucket: string;
  gpuMonitor: { pollMs: number; command: string };
}

export function loadInferenceConfig(env: Env): InferenceConfig {
  const e = parseEnv(inferenceEnv, env);
  const embedder = e.VA_INFERENCE_EMBEDDER === 'none' ? undefined : e.VA_INFERENCE_EMBEDDER;
  const detector = e.VA_INFERENCE_DETECTOR === 'none' ? undefined : e.VA_INFERENCE_DETECTOR;
  if (!detector && e.VA_INFERENCE_PIPELINE) {
    throw new ConfigError([
      {
        key: 'VA_INFERENCE_DETECTOR',
        message:
          'is "none", but the frame pipeline needs a detector (set VA_INFERENCE_PIPELINE=false for an embedding-only worker)',
      },
    ]);
  }
  const images = {
    maxFramePixels: e.VA_INFERENCE_MAX_FRAME_PIXELS,
    maxCropPixels: e.VA_INFERENCE_MAX_CROP_PIXELS,
    maxDecodedBytesPerRequest: e.VA_INFERENCE_MAX_DECODED_BYTES_PER_REQUEST,
    maxDecodedBytesInFlight: e.VA_INFERENCE_MAX_DECODED_BYTES_IN_FLIGHT,
  };
  const largestImage = 3 * Math.max(images.maxFramePixels, images.maxCropPixels);
  if (images.maxDecodedBytesPerRequest < largestImage) {
    throw new ConfigError([
      {
        key: 'VA_INFERENCE_MAX_DECODED_BYTES_PER_REQUEST',
        message: `is ${images.maxDecodedBytesPerRequest}, less than the ${largestImage} bytes the largest allowed image decodes to (3 x VA_INFERENCE_MAX_FRAME_PIXELS or _CROP_PIXELS)`,
      },
    ]);
  }
  if (images.maxDecodedBytesInFlight < images.maxDecodedBytesPerRequest) {
    throw new ConfigError([
      {
        key: 'VA_INFERENCE_MAX_DECODED_BYTES_IN_FLIGHT',
        message: `is ${images.maxDecodedBytesInFlight}, less than VA_INFERENCE_MAX_DECODED_BYTES_PER_REQUEST (${images.maxDecodedBytesPerRequest}): a request that fits could never run`,
      },
    ]);
  }
  const defaults = [...(detector ? [detector] : []), ...(embedder ? [embedder] : [])];
  return {
    repository: e.VA_INFERENCE_MODEL_REPOSITORY,
    sharedDir: e.VA_SHARED_DIR,
    models: [...new Set([...defaults, ...e.VA_INFERENCE_MODELS])],
    detector,
    embedder,
    embedding: {
      classes: e.VA_INFERENCE_EMBED_CLASSES,
      maxPerFrame: e.VA_INFERENCE_EMBED_MAX_PER_FRAME,
      minSidePx: e.VA_INFERENCE_EMBED_MIN_SIDE_PX,
      minScore: e.VA_INFERENCE_EMBED_MIN_SCORE,
    },
    session: { intraOpThreads: e.VA_INFERENCE_THREADS, allowSpinning: e.VA_INFERENCE_THREAD_SPINNING },
    providers:
      e.VA_INFERENCE_EXECUTION_PROVIDERS && e.VA_INFERENCE_EXECUTION_PROVIDERS.length > 0
        ? e.VA_INFERENCE_EXECUTION_PROVIDERS
        : undefined,
    imageThreads: e.VA_INFERENCE_IMAGE_THREADS,
    pipeline: {
      enabled: e.VA_INFERENCE_PIPELINE,
      queueGroup: e.VA_INFERENCE_QUEUE_GROUP,
      perCameraQueue: e.VA_INFERENCE_CAMERA_QUEUE,
      perCameraInFlight: e.VA_INFERENCE_CAMERA_IN_FLIGHT,
      maxFrameAgeMs: e.VA_INFERENCE_MAX_FRAME_AGE_MS,
      maxPending: e.VA_INFERENCE_MAX_PENDING_FRAMES,
      maxInFlight: e.VA_INFERENCE_MAX_IN_FLIGHT_FRAMES,
      priority: e.VA_INFERENCE_PIPELINE_PRIORITY,
    },
    grpc: { priority: e.VA_INFERENCE_GRPC_PRIORITY, maxCrops: e.VA_INFERENCE_EMBED_MAX_CROPS },
    images,
    publish: { retries: e.VA_INFERENCE_PUBLISH_RETRIES, timeoutMs: e.VA_INFERENCE_PUBLISH_TIMEOUT_MS },
    rolloutBucket: e.VA_INFERENCE_ROLLOUT_BUCKET,
    gpuMonitor: { pollMs: e.VA_INFERENCE_GPU_POLL_MS, command: e.VA_INFERENCE_NVIDIA_SMI },
  };
}

/** Everything batching-inference reads from the environment, validated at once. */
export function loadConfig(env: Env) {
  return loadPieces({
    base: () => loadBaseConfig(env, { httpPort: DEFAULT_HTTP_PORT }),
    nats: () => loadNatsConfig(env),
    grpc: () => loadGrpcServerConfig(env, { port: DEFAULT_GRPC_PORT }),
    inference: () => loadInferenceConfig(env),
  });
}

export type Config = ReturnType<typeof loadConfig>;
