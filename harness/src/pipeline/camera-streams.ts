// The streams a launcher-run pipeline is fed: real clips replayed like cameras, or ffmpeg test
// patterns, added through ingest's gRPC API like an operator would.
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { unary } from '@va/common';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import { StreamSpec, type StreamStatus } from '@va/proto/va/ingest/v1/ingest';
import type { PipelineClients } from './pipeline-clients.js';

/**
 * The default detector's input (yolox_nano, 416×416). Ingest letterboxes to it in ffmpeg's filter
 * graph, its cheapest place (BENCHMARKS.md, ingest), so inference takes the frame as it is and the
 * bus carries half the bytes of a 768×432 frame. Another detector still works: it resizes again.
 */
export const DETECTOR_INPUT = 416;

const VIDEO_EXTENSIONS = new Set(['.mp4', '.mkv', '.mov', '.avi', '.webm', '.ts']);

/** Video files directly in `folder`, sorted by name. */
export function clipsIn(folder: string): string[] {
  return readdirSync(folder)
    .filter((f) => VIDEO_EXTENSIONS.has(extname(f).toLowerCase()))
    .map((f) => join(folder, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

/** A camera id from a clip's name: `indoor-people_768x432.mp4` → `indoor-people` (+ suffix). */
export function cameraIdFor(file: string, suffix = ''): string {
  const stem = basename(file, extname(file)).replace(/_\d+x\d+$/, '');
  const id = `${stem.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'camera'}${suffix}`;
  return id.slice(0, 64);
}

export interface FeedOptions {
  fps: number;
  /** Start again at the end (a live camera); off for a clip that should end (tests). */
  loop?: boolean;
  /**
   * Letterbox to the detector's input in ffmpeg (default). Off: full-size frames, and inference
   * letterboxes in Node (the ablation's `letterbox_off`, bench/e2e.ts).
   */
  letterbox?: boolean;
}

/** A clip replayed at its own speed, sampled to `fps`, letterboxed to the detector's input unless `letterbox` is false. */
export function clipStream(cameraId: string, file: string, o: FeedOptions): StreamSpec {
  const letterbox = o.letterbox ?? true;
  return StreamSpec.fromPartial({
    cameraId,
    url: `file://${file}`,
    targetFps: o.fps,
    ...(letterbox ? { width: DETECTOR_INPUT, height: DETECTOR_INPUT, letterbox: true } : {}),
    loop: o.loop ?? true,
    realtime: true,
    pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
    labels: { source: 'clip' },
  });
}

/** An ffmpeg test pattern (`testsrc2`, `color`, ...) at `fps`, already at the detector's input size. */
export function patternStream(cameraId: string, pattern: string, o: FeedOptions): StreamSpec {
  return StreamSpec.fromPartial({
    cameraId,
    url: `testsrc://${pattern}?size=${DETECTOR_INPUT}x${DETECTOR_INPUT}&rate=${o.fps}`,
    targetFps: o.fps,
    pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
    labels: { source: 'pattern' },
  });
}

/** Adds a stream, or replaces the spec of one that is already registered (e.g. resumed from the KV registry). */
/** Adds the stream, or updates it when ingest already has one with that camera id; says which. */
export async function ensureStream(
  clients: PipelineClients,
  spec: StreamSpec,
): Promise<{ status: StreamStatus | undefined; created: boolean }> {
  const ingest = clients.ingest;
  try {
    return {
      status: (await unary(ingest.addStream.bind(ingest), { spec }, { deadlineMs: 15_000 })).status,
      created: true,
    };
  } catch (err) {
    if ((err as { code?: number }).code !== status.ALREADY_EXISTS) throw err;
    return {
      status: (await unary(ingest.updateStream.bind(ingest), { spec }, { deadlineMs: 15_000 })).status,
      created: false,
    };
  }
}

export async function removeStream(clients: PipelineClients, cameraId: string): Promise<void> {
  const ingest = clients.ingest;
  await unary(ingest.removeStream.bind(ingest), { cameraId }, { deadlineMs: 15_000 }).catch((err: unknown) => {
    if ((err as { code?: number }).code !== status.NOT_FOUND) throw err;
  });
}

export async function listStreams(clients: PipelineClients): Promise<StreamStatus[]> {
  const ingest = clients.ingest;
  return (await unary(ingest.listStreams.bind(ingest), {}, { deadlineMs: 10_000 })).streams;
}
