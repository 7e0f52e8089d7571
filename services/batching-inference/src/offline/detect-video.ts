import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { REPO_ROOT } from '../repository/default-paths.js';
import { cacheKey, readDetectionBatches, writeDetectionBatches } from './detection-cache.js';
import { OfflineDetector, type OfflineDetectorOptions, type OfflineFrame } from './offline-detector.js';
import { readVideoFrames } from './video-frames.js';

export interface DetectVideoOptions extends OfflineDetectorOptions {
  /** Any file ffmpeg decodes (mp4, a JPEG...). */
  video: string;
  /** Keep every Nth frame; sequence numbers stay the source frame indices (0-based). */
  frameStep?: number;
  maxFrames?: number;
  /** Default: the file name reduced to a camera id. */
  cameraId?: string;
  /** capture_ts_ms of frame 0; frame n is at startTsMs + n / fps. Default 0. */
  startTsMs?: number;
  /** Default 'offline'. */
  streamEpoch?: string;
}

/**
 * Decodes a video with ffmpeg and yields one DetectionBatch per kept frame, in order, exactly
 * as the service would publish it (boxes in the video's pixels, sequence = 0-based source frame
 * index, so MOT ground-truth frame = sequence + 1). Frames go through the model in batches.
 */
export async function* detectVideo(options: DetectVideoOptions): AsyncGenerator<DetectionBatch> {
  const detector = await OfflineDetector.open(options);
  const cameraId = options.cameraId ?? cameraIdFor(options.video);
  const start = options.startTsMs ?? 0;
  try {
    let pending: OfflineFrame[] = [];
    const frames = readVideoFrames(options.video, {
      ...(options.frameStep ? { frameStep: options.frameStep } : {}),
      ...(options.maxFrames ? { maxFrames: options.maxFrames } : {}),
    });
    for await (const frame of frames) {
      pending.push({
        image: frame.image,
        cameraId,
        sequence: frame.index,
        captureTsMs: Math.round(start + frame.ptsMs),
        streamEpoch: options.streamEpoch ?? 'offline',
      });
      if (pending.length === detector.batchSize) {
        yield* await detector.detect(pending);
        pending = [];
      }
    }
    if (pending.length > 0) yield* await detector.detect(pending);
  } finally {
    await detector.close();
  }
}

export interface CachedDetections {
  batches: DetectionBatch[];
  /** The size-delimited DetectionBatch file. */
  file: string;
  fromCache: boolean;
}

/**
 * detectVideo, remembered on disk: the result is stored under `cacheDir` (default <repo>/.cache/detections,
 * ignored by git) keyed by the video file, the model files and configs and the options, so
 * repeated test and benchmark runs do not recompute it.
 */
export async function detectVideoCached(
  options: DetectVideoOptions & { cacheDir?: string },
): Promise<CachedDetections> {
  const cacheDir = options.cacheDir ?? join(REPO_ROOT, '.cache', 'detections');
  const specs = OfflineDetector.resolve(options);
  const video = resolve(options.video);
  const fileFacts = async (file: string) => {
    const s = await stat(file);
    return { file, size: s.size, mtimeMs: s.mtimeMs };
  };
  const models = await Promise.all(
    [specs.detector, ...(specs.embedder ? [specs.embedder] : [])].map(async (m) => ({
      version: m.version,
      config: m.config,
      ...(await fileFacts(m.modelPath)),
    })),
  );
  const key = cacheKey({
    format: 1,
    video: await fileFacts(video),
    models,
    options: { ...options, log: undefined, cacheDir: undefined },
  });
  const file = join(cacheDir, `${cameraIdFor(video)}-${specs.detector.name}-${key}.pb`);
  try {
    return { batches: await readDetectionBatches(file), file, fromCache: true };
  } catch {
    // Not cached yet (or unreadable): compute it.
  }
  const computed: DetectionBatch[] = [];
  for await (const b of detectVideo(options)) computed.push(b);
  await writeDetectionBatches(file, computed);
  // Read back, so a first run returns exactly what later runs will (floats as stored, float32).
  return { batches: await readDetectionBatches(file), file, fromCache: false };
}

function cameraIdFor(path: string): string {
  return (
    basename(path)
      .replace(/\.[^.]+$/, '')
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 64) || 'video'
  );
}
