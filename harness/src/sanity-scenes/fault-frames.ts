import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { FrameStats } from '@va/proto/va/common/v1/frame';
import { FrameStatsSampler } from '../../../services/ingest/src/frame-stats.js';

const run = promisify(execFile);

/** The picture ingest hands the detector for the shared 768x432 clips: 416 wide, letterbox padding left out. */
export const PICTURE = { width: 416, height: 234 };

/**
 * Ingest's frame statistics (picture health included) of a clip sampled at `fps` for `seconds`,
 * through the real ffmpeg with `filter` (a camera fault, or '' for the clean clip) applied first.
 */
export async function clipStats(video: string, filter: string, fps: number, seconds: number): Promise<FrameStats[]> {
  return statsOf(['-i', video, '-t', String(seconds)], filter, fps);
}

/**
 * The same through H.264 first, as a camera sends it, with a key frame every `gop` frames of the clip
 * (each refreshes a frozen picture): the faulty clip is encoded into `encodedFile`, then decoded and measured.
 */
export async function encodedClipStats(
  video: string,
  filter: string,
  fps: number,
  seconds: number,
  encodedFile: string,
  gop: number,
): Promise<FrameStats[]> {
  await encodeFaultClip(video, filter, seconds, encodedFile, gop);
  return statsOf(['-i', encodedFile], '', fps);
}

/** Cuts `seconds` of `video` through `filter` (none when empty) into H.264 at `out`, a key frame every `gop` frames. */
export async function encodeFaultClip(
  video: string,
  filter: string,
  seconds: number,
  out: string,
  gop: number,
): Promise<void> {
  const vf = filter ? ['-vf', filter] : [];
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    video,
    '-t',
    String(seconds),
    ...vf,
    '-an',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '23',
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    out,
  ]);
}

async function statsOf(input: string[], filter: string, fps: number): Promise<FrameStats[]> {
  const { width, height } = PICTURE;
  const vf = `${filter ? `${filter},` : ''}fps=${fps},scale=${width}:${height}`;
  const ffmpeg = spawn('ffmpeg', ['-v', 'error', ...input, '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  ffmpeg.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const exited = new Promise<number>((resolve) => ffmpeg.once('close', (code) => resolve(code ?? 1)));
  const sampler = new FrameStatsSampler(width, height, false);
  const frameBytes = width * height * 3;
  const stats: FrameStats[] = [];
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of ffmpeg.stdout as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= frameBytes) {
      stats.push(sampler.compute(pending.subarray(0, frameBytes), 0));
      pending = pending.subarray(frameBytes);
    }
  }
  const code = await exited;
  if (code !== 0) throw new Error(`ffmpeg failed on ${input.join(' ')} with -vf ${vf}: ${stderr || `exit ${code}`}`);
  return stats;
}

/** Detection batches (no detections) carrying the statistics, `fps` apart from `t0`. */
export function statsBatches(
  stats: FrameStats[],
  cameraId: string,
  fps: number,
  t0 = 1_700_000_000_000,
): DetectionBatch[] {
  return stats.map((frameStats, sequence) =>
    DetectionBatch.fromPartial({
      cameraId,
      streamEpoch: `${cameraId}-epoch`,
      sequence,
      captureTsMs: t0 + Math.round((sequence * 1000) / fps),
      frameWidth: 768,
      frameHeight: 432,
      frameStats,
    }),
  );
}
