import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvalidArgumentError } from '@va/common';
import type { RgbImage } from '../preprocess/image.js';

export interface VideoInfo {
  width: number;
  height: number;
  /** Native frame rate (r_frame_rate). */
  fps: number;
}

export interface VideoFrame {
  image: RgbImage;
  /** 0-based index of this frame in the decoded stream (before sampling): video frame n is MOT ground-truth frame n+1. */
  index: number;
  /** Presentation time from the start of the video, ms. */
  ptsMs: number;
}

export interface ReadVideoOptions {
  /** Keep every Nth decoded frame (indices stay those of the source). Default 1. */
  frameStep?: number;
  /** Stop after this many frames have been yielded. */
  maxFrames?: number;
}

const run = promisify(execFile);

/** Width, height and frame rate of the first video stream, from ffprobe. */
export async function probeVideo(path: string): Promise<VideoInfo> {
  let stdout: string;
  try {
    ({ stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=width,height,r_frame_rate',
      '-of',
      'json',
      path,
    ]));
  } catch (err) {
    throw new InvalidArgumentError(
      `ffprobe cannot read ${path}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`,
    );
  }
  const stream = (JSON.parse(stdout) as { streams?: Array<{ width?: number; height?: number; r_frame_rate?: string }> })
    .streams?.[0];
  if (!stream?.width || !stream.height) throw new InvalidArgumentError(`${path} has no video stream`);
  const [num = 0, den = 1] = (stream.r_frame_rate ?? '0/1').split('/').map(Number);
  return { width: stream.width, height: stream.height, fps: den > 0 ? num / den : 0 };
}

/**
 * Decodes a video with ffmpeg to packed RGB frames, one buffer per frame (each is fresh: callers
 * may keep them). Sampling keeps the source frame index, so results line up with ground truth.
 */
export async function* readVideoFrames(path: string, options: ReadVideoOptions = {}): AsyncGenerator<VideoFrame> {
  const info = await probeVideo(path);
  const step = Math.max(1, Math.floor(options.frameStep ?? 1));
  const maxFrames = options.maxFrames ?? Infinity;
  const frameBytes = info.width * info.height * 3;
  const args = ['-v', 'error', '-nostdin', '-i', path, '-an', '-map', '0:v:0'];
  if (step > 1) args.push('-vf', `select=not(mod(n\\,${step}))`, '-fps_mode', 'passthrough');
  if (Number.isFinite(maxFrames)) args.push('-frames:v', String(maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  const ffmpeg = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  ffmpeg.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number>((resolve) => ffmpeg.once('close', (code) => resolve(code ?? 1)));
  let pending: Buffer = Buffer.alloc(0);
  let yielded = 0;
  const frameMs = info.fps > 0 ? 1000 / info.fps : 0;
  try {
    for await (const chunk of ffmpeg.stdout as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= frameBytes && yielded < maxFrames) {
        const data = new Uint8Array(frameBytes);
        data.set(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
        const index = yielded * step;
        yielded++;
        yield { image: { data, width: info.width, height: info.height, order: 'RGB' }, index, ptsMs: index * frameMs };
      }
      if (yielded >= maxFrames) break;
    }
  } finally {
    if (ffmpeg.exitCode === null) ffmpeg.kill('SIGTERM');
  }
  const code = await exited;
  if (code !== 0 && yielded < maxFrames && ffmpeg.signalCode === null) {
    throw new InvalidArgumentError(
      `ffmpeg failed to decode ${path} (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
}
