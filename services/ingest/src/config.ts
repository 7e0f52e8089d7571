import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { z } from 'zod';
import {
  bool,
  ConfigError,
  int,
  list,
  type ConfigIssue,
  loadBaseConfig,
  loadGrpcServerConfig,
  loadNatsConfig,
  loadPieces,
  oneOf,
  parseEnv,
  type Env,
} from '@va/common';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import { SOURCE_SCHEMES, type SourceScheme } from './source-url.js';
import { MAX_DETECT_EVERY } from './stream-spec.js';
import { MAX_FORCE_DETECT_MS, MIN_FORCE_DETECT_MS } from './motion-gate-spec.js';
import type { MotionGateDefaults } from './motion-gate-spec.js';

export const DEFAULT_GRPC_PORT = 50051;
export const DEFAULT_HTTP_PORT = 9461;

const MIB = 1024 * 1024;
const PIXEL_FORMATS = {
  rgb24: PixelFormat.PIXEL_FORMAT_RGB24,
  bgr24: PixelFormat.PIXEL_FORMAT_BGR24,
  jpeg: PixelFormat.PIXEL_FORMAT_JPEG,
} as const;

/** What ingest itself needs: source policy, limits, timeouts, back-off and the bus window. */
export const ingestEnv = {
  // Schemes operators may use in StreamSpec.url.
  VA_INGEST_ALLOWED_SCHEMES: list([...SOURCE_SCHEMES]),
  // file: URLs must resolve under this folder; unset forbids file: sources.
  VA_INGEST_FILE_ROOT: z.string().optional(),
  // Sources on loopback, private, link-local, unique-local or CGNAT addresses (README: Sources).
  VA_INGEST_ALLOW_LOCAL_NETWORK: bool(false),
  // Let ffmpeg follow HTTP redirects; their targets are not checked, so this opens the SSRF door again.
  VA_INGEST_ALLOW_HTTP_REDIRECTS: bool(false),
  // Let ffmpeg open HLS playlists over HTTP; the hosts their segments name are not checked either.
  VA_INGEST_ALLOW_PLAYLISTS: bool(false),
  VA_INGEST_MAX_STREAMS: int(64, 1, 1024),
  VA_INGEST_MAX_WIDTH: int(3840, 16, 8192),
  VA_INGEST_MAX_HEIGHT: int(2160, 16, 8192),
  VA_INGEST_MAX_FPS: int(60, 1, 240),
  VA_INGEST_DEFAULT_PIXEL_FORMAT: oneOf(['rgb24', 'bgr24', 'jpeg'] as const, 'rgb24'),
  VA_INGEST_DEFAULT_JPEG_QUALITY: int(80, 1, 100),
  // Detector on every Nth frame of a stream whose spec leaves detect_every at 0 (1: every frame).
  VA_INGEST_DEFAULT_DETECT_EVERY: int(1, 1, MAX_DETECT_EVERY),
  // Motion gate for streams whose spec leaves motion_gate unset (README: Motion gate).
  VA_INGEST_MOTION_GATE: bool(false),
  // A grid sample changed when its luma differs from the running background by more than this.
  VA_INGEST_MOTION_PIXEL_THRESHOLD: int(25, 1, 255),
  // A frame has motion when more than this share of the unmasked samples changed.
  VA_INGEST_MOTION_MIN_CHANGED_SHARE: z.coerce.number().gt(0).max(1).default(0.003),
  // The detector sees a frame at least this often (capture time), motion or not.
  VA_INGEST_MOTION_FORCE_DETECT_MS: int(2_000, MIN_FORCE_DETECT_MS, MAX_FORCE_DETECT_MS),
  // ffmpeg executable, checked here; bin/ffmpeg-child.sh reads it from the environment fluent-ffmpeg
  // spawns with and starts it so it dies with this process.
  VA_INGEST_FFMPEG_PATH: z.string().default('ffmpeg'),
  // Decoder threads per stream. ffmpeg's own choice (0) is cores + 1 frame threads, each adding a
  // frame of latency; one thread per stream is the cheapest per frame when streams share the cores.
  VA_INGEST_DECODE_THREADS: int(1, 0, 64),
  // No first frame within this after start -> restart (covers connect and probe).
  VA_INGEST_CONNECT_TIMEOUT_MS: int(10_000, 500, 300_000),
  // ffmpeg's socket I/O timeout for RTSP and HTTP sources.
  VA_INGEST_READ_TIMEOUT_MS: int(5_000, 500, 300_000),
  // No frame for this long while running -> the source is stalled; kill and restart.
  VA_INGEST_STALL_TIMEOUT_MS: int(10_000, 500, 300_000),
  VA_INGEST_BACKOFF_INITIAL_MS: int(500, 10, 60_000),
  VA_INGEST_BACKOFF_MAX_MS: int(30_000, 100, 3_600_000),
  // Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter].
  VA_INGEST_BACKOFF_JITTER: z.coerce.number().min(0).max(1).default(0.2),
  // A run that stayed RUNNING this long resets the back-off to its initial delay.
  VA_INGEST_BACKOFF_RESET_MS: int(10_000, 0, 3_600_000),
  // Bytes published but not yet confirmed by the server; above it frames are held (newest wins).
  VA_INGEST_BUS_MAX_PENDING_BYTES: int(16 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
  // A held frame older than this when the bus opens is dropped as stale.
  VA_INGEST_MAX_FRAME_AGE_MS: int(2_000, 10, 60_000),
  // Published frames kept per camera and in all for evidence requests (README: Evidence frames).
  VA_INGEST_FRAME_RING_CAMERA_MB: int(16, 1, 4096),
  VA_INGEST_FRAME_RING_MAX_MB: int(256, 1, 65_536),
  // Evidence frames JPEG-encoded at once; more requests are answered "busy".
  VA_INGEST_EVIDENCE_MAX_CONCURRENT: int(2, 1, 64),
  VA_INGEST_KV_BUCKET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a KV bucket name ([A-Za-z0-9_-])')
    .default('va_ingest_streams'),
  // SIGTERM to ffmpeg, then SIGKILL after this.
  VA_INGEST_FFMPEG_KILL_GRACE_MS: int(2_000, 0, 60_000),
};

export interface IngestConfig {
  allowedSchemes: SourceScheme[];
  /** Real path of the folder file: sources must be under, or undefined when file: is off. */
  fileRoot: string | undefined;
  allowLocalNetwork: boolean;
  allowHttpRedirects: boolean;
  allowPlaylists: boolean;
  maxStreams: number;
  maxWidth: number;
  maxHeight: number;
  maxFps: number;
  defaultPixelFormat: PixelFormat;
  defaultJpegQuality: number;
  defaultDetectEvery: number;
  /** Whether streams without a motion_gate in their spec are gated, and the defaults of its fields. */
  defaultMotionGate: MotionGateDefaults;
  decodeThreads: number;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  stallTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number; jitter: number; resetAfterMs: number };
  busMaxPendingBytes: number;
  maxFrameAgeMs: number;
  frameRing: { cameraBytes: number; totalBytes: number };
  evidenceMaxConcurrent: number;
  kvBucket: string;
  ffmpegKillGraceMs: number;
}

export function loadIngestConfig(env: Env): IngestConfig {
  // Checks that need more than a schema run on the raw values too, so one error names every bad key.
  const issues: ConfigIssue[] = [];
  let parsed: ReturnType<typeof parseEnv<typeof ingestEnv>> | undefined;
  try {
    parsed = parseEnv(ingestEnv, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  const schemes = (env.VA_INGEST_ALLOWED_SCHEMES ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const unknown = schemes.filter((x) => !(SOURCE_SCHEMES as readonly string[]).includes(x));
  if (unknown.length > 0)
    issues.push({
      key: 'VA_INGEST_ALLOWED_SCHEMES',
      message: `unknown scheme(s) ${unknown.join(', ')}; known: ${SOURCE_SCHEMES.join(', ')}`,
    });
  let fileRoot: string | undefined;
  if (env.VA_INGEST_FILE_ROOT) {
    try {
      fileRoot = realpathSync(env.VA_INGEST_FILE_ROOT);
      if (!statSync(fileRoot).isDirectory())
        issues.push({ key: 'VA_INGEST_FILE_ROOT', message: `${env.VA_INGEST_FILE_ROOT} is not a folder` });
    } catch {
      issues.push({ key: 'VA_INGEST_FILE_ROOT', message: `${env.VA_INGEST_FILE_ROOT} does not exist` });
    }
  }
  const ffmpeg = env.VA_INGEST_FFMPEG_PATH || 'ffmpeg';
  if (!isExecutable(ffmpeg, env.PATH ?? '')) {
    issues.push({
      key: 'VA_INGEST_FFMPEG_PATH',
      message: `${ffmpeg} is not an executable here (install ffmpeg 5.1+: deploy/local/setup.sh)`,
    });
  }
  if (parsed && parsed.VA_INGEST_BACKOFF_MAX_MS < parsed.VA_INGEST_BACKOFF_INITIAL_MS) {
    issues.push({ key: 'VA_INGEST_BACKOFF_MAX_MS', message: 'must be >= VA_INGEST_BACKOFF_INITIAL_MS' });
  }
  if (parsed && parsed.VA_INGEST_FRAME_RING_MAX_MB < parsed.VA_INGEST_FRAME_RING_CAMERA_MB) {
    issues.push({ key: 'VA_INGEST_FRAME_RING_MAX_MB', message: 'must be >= VA_INGEST_FRAME_RING_CAMERA_MB' });
  }
  if (issues.length > 0 || !parsed) throw new ConfigError(issues);
  const e = parsed;
  return {
    allowedSchemes: e.VA_INGEST_ALLOWED_SCHEMES as SourceScheme[],
    fileRoot,
    allowLocalNetwork: e.VA_INGEST_ALLOW_LOCAL_NETWORK,
    allowHttpRedirects: e.VA_INGEST_ALLOW_HTTP_REDIRECTS,
    allowPlaylists: e.VA_INGEST_ALLOW_PLAYLISTS,
    maxStreams: e.VA_INGEST_MAX_STREAMS,
    maxWidth: e.VA_INGEST_MAX_WIDTH,
    maxHeight: e.VA_INGEST_MAX_HEIGHT,
    maxFps: e.VA_INGEST_MAX_FPS,
    defaultPixelFormat: PIXEL_FORMATS[e.VA_INGEST_DEFAULT_PIXEL_FORMAT],
    defaultJpegQuality: e.VA_INGEST_DEFAULT_JPEG_QUALITY,
    defaultDetectEvery: e.VA_INGEST_DEFAULT_DETECT_EVERY,
    defaultMotionGate: {
      enabled: e.VA_INGEST_MOTION_GATE,
      pixelThreshold: e.VA_INGEST_MOTION_PIXEL_THRESHOLD,
      minChangedShare: e.VA_INGEST_MOTION_MIN_CHANGED_SHARE,
      forceDetectEveryMs: e.VA_INGEST_MOTION_FORCE_DETECT_MS,
    },
    decodeThreads: e.VA_INGEST_DECODE_THREADS,
    connectTimeoutMs: e.VA_INGEST_CONNECT_TIMEOUT_MS,
    readTimeoutMs: e.VA_INGEST_READ_TIMEOUT_MS,
    stallTimeoutMs: e.VA_INGEST_STALL_TIMEOUT_MS,
    backoff: {
      initialMs: e.VA_INGEST_BACKOFF_INITIAL_MS,
      maxMs: e.VA_INGEST_BACKOFF_MAX_MS,
      jitter: e.VA_INGEST_BACKOFF_JITTER,
      resetAfterMs: e.VA_INGEST_BACKOFF_RESET_MS,
    },
    busMaxPendingBytes: e.VA_INGEST_BUS_MAX_PENDING_BYTES,
    maxFrameAgeMs: e.VA_INGEST_MAX_FRAME_AGE_MS,
    frameRing: { cameraBytes: e.VA_INGEST_FRAME_RING_CAMERA_MB * MIB, totalBytes: e.VA_INGEST_FRAME_RING_MAX_MB * MIB },
    evidenceMaxConcurrent: e.VA_INGEST_EVIDENCE_MAX_CONCURRENT,
    kvBucket: e.VA_INGEST_KV_BUCKET,
    ffmpegKillGraceMs: e.VA_INGEST_FFMPEG_KILL_GRACE_MS,
  };
}

function isExecutable(command: string, path: string): boolean {
  const candidates = command.includes('/')
    ? [command]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** Everything ingest reads from the environment, validated at once. */
export function loadConfig(env: Env) {
  return loadPieces({
    base: () => loadBaseConfig(env, { httpPort: DEFAULT_HTTP_PORT }),
    nats: () => loadNatsConfig(env),
    grpc: () => loadGrpcServerConfig(env, { port: DEFAULT_GRPC_PORT }),
    ingest: () => loadIngestConfig(env),
  });
}

export type Config = ReturnType<typeof loadConfig>;
