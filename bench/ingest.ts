// Ingest benchmark: `npm run bench:ingest -- [--quick]`. Prints a last-line JSON object and
// writes it to bench/results/ingest.json. Every ratio is measured side by side in one run.
//
//   decode_ratio      frames/s published by the ingest service (real process, real NATS, a file
//                     source read as fast as possible) / frames/s of a bare ffmpeg decode of the
//                     same clip at the same output size and fps; both timed from first to last frame,
//                     alternating runs, medians
//   cpu_ms_per_frame  CPU of the ingest Node process per published frame (ffmpeg excluded)
//   bytes_per_frame   Frame message size on the bus
//   rgb_vs_jpeg       producer and consumer CPU per frame and bytes per frame, raw RGB vs JPEG
//   letterbox         CPU per frame of letterboxing in ffmpeg's filter graph vs in Node (sharp)
//   encoder           ms per Frame encode, generated ts-proto writer vs the in-place encoder
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { Frame, FrameStats, PixelFormat } from '@va/proto/va/common/v1/frame';
import { encodeFrameAround } from '../services/ingest/src/frame-encoder.js';
import { FRAME_HEAD_RESERVE, FramePool } from '../services/ingest/src/frame-pool.js';
import { selectFilter } from '../services/ingest/src/frame-sampler.js';
import { letterboxGeometry, resizeFilters } from '../services/ingest/src/letterbox.js';
import { CLIP, fileUrl, startIngest, StreamState } from '@va/harness/ingest-service';
import { startNatsServer } from '@va/harness/nats-server';
import { REPO_ROOT, sharedFile } from '@va/harness/shared';
import { median } from '@va/harness/statistics';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 5;
const clip = sharedFile(CLIP);
const SRC_W = 768;
const SRC_H = 432;
const TICKS = 100; // clock ticks per second in /proc/*/stat on Linux

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** CPU seconds of a process (own, or of its reaped children: ffmpeg runs are reaped before we read). */
function procCpuS(pid: number | 'self', children = false): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const at = children ? 13 : 11;
  return (Number(fields[at]) + Number(fields[at + 1])) / TICKS;
}
const childrenCpuS = () => procCpuS('self', true);

/** The pid of the nats-server serving `storeDir` (for its CPU per frame). */
function natsServerPid(storeDir: string): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes('nats-server') && cmd.includes(storeDir)) return Number(name);
    } catch {
      // gone
    }
  }
  throw new Error('nats-server process not found');
}

function cpuMsOf(work: () => void, n: number): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / n;
}

async function cpuMsOfAsync(work: () => Promise<void>, n: number): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / n;
}

/** Runs ffmpeg on the clip with `filters`, reading rawvideo from its pipe as ingest does. */
async function ffmpegRun(filters: string[], format: 'rawvideo' | 'mjpeg', frameBytes: number) {
  const args = [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-i',
    `file:${clip}`,
    '-map',
    '0:v:0',
    '-an',
    '-vf',
    filters.join(','),
    '-fps_mode',
    'passthrough',
  ];
  args.push(
    ...(format === 'rawvideo'
      ? ['-f', 'rawvideo', '-pix_fmt', 'rgb24']
      : ['-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '4']),
    'pipe:1',
  );
  const cpu0 = childrenCpuS();
  const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let bytes = 0;
  let first = 0;
  let last = 0;
  let frames = 0;
  proc.stdout.on('data', (chunk: Buffer) => {
    const now = performance.now();
    if (first === 0) first = now;
    bytes += chunk.length;
    if (format === 'rawvideo') {
      const whole = Math.floor(bytes / frameBytes);
      if (whole > frames) {
        frames = whole;
        last = now;
      }
    } else last = now;
  });
  await new Promise((resolve) => proc.once('close', resolve));
  const cpuS = childrenCpuS() - cpu0;
  if (format === 'mjpeg') frames = 0;
  return { frames, fps: frames > 1 ? ((frames - 1) * 1000) / (last - first) : 0, cpuS, bytes };
}

/** Real frames of the clip as raw RGB (for the in-process measurements). */
function sampleFrames(count: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  return new Promise<Buffer[]>((resolve) => {
    const proc = spawn('ffmpeg', [
      '-nostdin',
      '-loglevel',
      'error',
      '-i',
      clip,
      '-frames:v',
      String(count),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ]);
    const chunks: Buffer[] = [];
    proc.stdout.on('data', (c: Buffer) => chunks.push(c));
    proc.once('close', () => {
      const all = Buffer.concat(chunks);
      const size = SRC_W * SRC_H * 3;
      for (let i = 0; i + size <= all.length; i += size) out.push(all.subarray(i, i + size));
      resolve(out);
    });
  });
}

/**
 * The ingest service (real process) publishing the clip as fast as it decodes. Its rate comes
 * from its own status (first frame read to last frame read, all published): a subscriber in this
 * process would take CPU from ingest on a 2-core machine, and a consumer is not part of ingest.
 */
async function ingestRun(
  ingest: Awaited<ReturnType<typeof startIngest>>,
  natsPid: number,
  id: string,
  spec: { width: number; height: number; targetFps: number; letterbox?: boolean },
) {
  const pid = ingest.proc.proc.pid as number;
  const cpu0 = await ingest.metric('process_cpu_seconds_total');
  const ffmpeg0 = procCpuS(pid, true);
  const nats0 = procCpuS(natsPid);
  await ingest.add({ cameraId: id, url: fileUrl(clip), ...spec, pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24 });
  let runningSince = 0;
  const done = await ingest.waitFor(
    id,
    (s) => {
      if (s.state === StreamState.STREAM_STATE_RUNNING && runningSince === 0) runningSince = s.stateSinceTsMs;
      return s.state === StreamState.STREAM_STATE_COMPLETED;
    },
    'completed',
    120_000,
  );
  const cpu1 = await ingest.metric('process_cpu_seconds_total');
  await new Promise((resolve) => setTimeout(resolve, 100)); // let the ingest process reap ffmpeg
  const ffmpegS = procCpuS(pid, true) - ffmpeg0;
  const natsS = procCpuS(natsPid) - nats0;
  const published = done.framesPublished;
  const seconds = (done.lastFrameTsMs - runningSince) / 1000;
  return {
    published,
    dropped: done.framesDropped,
    fps: runningSince > 0 && published > 1 ? (published - 1) / seconds : 0,
    cpuMsPerFrame: ((cpu1 - cpu0) * 1000) / Math.max(1, published),
    ffmpegCpuMsPerFrame: (ffmpegS * 1000) / Math.max(1, published),
    natsCpuMsPerFrame: (natsS * 1000) / Math.max(1, published),
    bytesPerFrame: done.bytesPublished / Math.max(1, published),
  };
}

async function decodeRatio(
  ingest: Awaited<ReturnType<typeof startIngest>>,
  natsPid: number,
  name: string,
  spec: { width: number; height: number; targetFps: number; letterbox?: boolean },
) {
  const filters = [
    ...(selectFilter(spec.targetFps) ? [selectFilter(spec.targetFps) as string] : []),
    ...resizeFilters(spec.width, spec.height, spec.letterbox ?? false, 'rgb24'),
  ];
  const bare: number[] = [];
  const published: number[] = [];
  const cpu: number[] = [];
  const bareCpu: number[] = [];
  const ffmpegCpu: number[] = [];
  const natsCpu: number[] = [];
  let bytes = 0;
  let drops = 0;
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate so both see the same machine load.
    const b = await ffmpegRun(filters, 'rawvideo', spec.width * spec.height * 3);
    const i = await ingestRun(ingest, natsPid, `bench-${name}-${r}`, spec);
    bare.push(b.fps);
    bareCpu.push((b.cpuS * 1000) / Math.max(1, b.frames));
    ffmpegCpu.push(i.ffmpegCpuMsPerFrame);
    natsCpu.push(i.natsCpuMsPerFrame);
    published.push(i.fps);
    cpu.push(i.cpuMsPerFrame);
    bytes = i.bytesPerFrame;
    drops += i.dropped;
  }
  return {
    bare_ffmpeg_fps: round(median(bare), 1),
    ingest_published_fps: round(median(published), 1),
    decode_ratio: round(median(published) / median(bare)),
    cpu_ms_per_frame: round(median(cpu)),
    bytes_per_frame: Math.round(bytes),
    drops,
    cpu_ms_per_frame_breakdown: {
      bare_ffmpeg: round(median(bareCpu)),
      ingest_ffmpeg: round(median(ffmpegCpu)),
      ingest_node: round(median(cpu)),
      nats_server: round(median(natsCpu)),
    },
  };
}

async function rgbVsJpeg(frames: Buffer[]) {
  const quality = 80;
  const jpegs: Buffer[] = [];
  const encodeMs = await cpuMsOfAsync(async () => {
    for (const f of frames)
      jpegs.push(
        await sharp(f, { raw: { width: SRC_W, height: SRC_H, channels: 3 } })
          .jpeg({ quality })
          .toBuffer(),
      );
  }, frames.length);
  const decodeMs = await cpuMsOfAsync(async () => {
    for (const j of jpegs) await sharp(j).raw().toBuffer();
  }, jpegs.length);
  const rawMessages = frames.map((f) => Frame.encode({ ...header(), pixels: f }).finish());
  const rawConsumerMs = cpuMsOf(() => {
    for (const m of rawMessages) Frame.decode(m);
  }, rawMessages.length);
  // ffmpeg's own MJPEG encoder, for comparison: the extra ffmpeg CPU per frame over rawvideo.
  const raw = await ffmpegRun(['format=rgb24'], 'rawvideo', SRC_W * SRC_H * 3);
  const mjpeg = await ffmpegRun(['format=yuvj420p'], 'mjpeg', 0);
  return {
    width: SRC_W,
    height: SRC_H,
    rgb_bytes_per_frame: SRC_W * SRC_H * 3,
    jpeg_bytes_per_frame: Math.round(jpegs.reduce((n, j) => n + j.length, 0) / jpegs.length),
    jpeg_quality: quality,
    rgb_producer_cpu_ms_per_frame: 0,
    jpeg_producer_cpu_ms_per_frame_sharp: round(encodeMs),
    jpeg_producer_extra_cpu_ms_per_frame_ffmpeg_mjpeg: round(((mjpeg.cpuS - raw.cpuS) * 1000) / raw.frames),
    rgb_consumer_cpu_ms_per_frame: round(rawConsumerMs, 4),
    jpeg_consumer_cpu_ms_per_frame: round(decodeMs),
  };
}

function header() {
  return {
    cameraId: 'bench',
    sequence: 1,
    captureTsMs: Date.now(),
    sourceWidth: SRC_W,
    sourceHeight: SRC_H,
    width: SRC_W,
    height: SRC_H,
    pixelFormat: 1,
    letterbox: undefined,
    stats: FrameStats.fromPartial({ meanLuma: 100, lumaStddev: 20, thumbHash: 12345 }),
    publishTsMs: Date.now(),
    streamEpoch: 'bench',
    skipDetection: false,
  };
}

async function letterboxWhere(frames: Buffer[]) {
  const size = 416;
  // In ffmpeg: scale + pad in the filter graph (what ingest does), vs a plain full-size decode.
  const full = await ffmpegRun(['format=rgb24'], 'rawvideo', SRC_W * SRC_H * 3);
  const boxed = await ffmpegRun(resizeFilters(size, size, true, 'rgb24'), 'rawvideo', size * size * 3);
  const ffmpegFull = (full.cpuS * 1000) / full.frames;
  const ffmpegBoxed = (boxed.cpuS * 1000) / boxed.frames;
  // In Node after a full-size decode: sharp resize + extend to the same geometry.
  const g = letterboxGeometry(SRC_W, SRC_H, size, size);
  const nodeMs = await cpuMsOfAsync(async () => {
    for (const f of frames) {
      await sharp(f, { raw: { width: SRC_W, height: SRC_H, channels: 3 } })
        .resize(g.contentWidth, g.contentHeight, { kernel: 'linear' })
        .extend({
          top: g.padY,
          bottom: size - g.contentHeight - g.padY,
          left: g.padX,
          right: size - g.contentWidth - g.padX,
          background: { r: 114, g: 114, b: 114 },
        })
        .raw()
        .toBuffer();
    }
  }, frames.length);
  return {
    size: `${SRC_W}x${SRC_H} -> ${size}x${size}`,
    ffmpeg_decode_only_cpu_ms_per_frame: round(ffmpegFull),
    ffmpeg_decode_and_letterbox_cpu_ms_per_frame: round(ffmpegBoxed),
    in_ffmpeg_total_cpu_ms_per_frame: round(ffmpegBoxed),
    in_node_sharp_total_cpu_ms_per_frame: round(ffmpegFull + nodeMs),
    pipe_and_bus_bytes_in_ffmpeg: size * size * 3,
    pipe_and_bus_bytes_in_node: SRC_W * SRC_H * 3,
  };
}

function encoderCopies(frames: Buffer[]) {
  const f = frames[0] as Buffer;
  const n = quick ? 200 : 1000;
  const generated = cpuMsOf(() => {
    for (let i = 0; i < n; i++) Frame.encode({ ...header(), pixels: f }).finish();
  }, n);
  const pool = new FramePool(f.length, 1);
  const buf = pool.acquire() as Uint8Array;
  buf.set(f, FRAME_HEAD_RESERVE);
  const inPlace = cpuMsOf(() => {
    for (let i = 0; i < n; i++) encodeFrameAround(buf, FRAME_HEAD_RESERVE, f.length, header());
  }, n);
  return { frame_bytes: f.length, generated_encode_ms: round(generated, 4), in_place_encode_ms: round(inPlace, 4) };
}

async function main() {
  const t0 = performance.now();
  const nats = await startNatsServer();
  const ingest = await startIngest(nats, { VA_LOG_LEVEL: 'warn', VA_INGEST_MAX_STREAMS: '256' });
  try {
    const frames = await sampleFrames(quick ? 30 : 100);
    const natsPid = natsServerPid(nats.storeDir);
    const fullSize = await decodeRatio(ingest, natsPid, 'full', { width: SRC_W, height: SRC_H, targetFps: 0 });
    const modelInput = await decodeRatio(ingest, natsPid, 'lb', {
      width: 416,
      height: 416,
      targetFps: 5,
      letterbox: true,
    });
    const result = {
      bench: 'ingest',
      quick,
      rounds: ROUNDS,
      clip: CLIP,
      ingest_decode_threads: process.env.VA_INGEST_DECODE_THREADS ?? 'default (1)',
      decode_ratio: fullSize.decode_ratio,
      cpu_ms_per_frame: fullSize.cpu_ms_per_frame,
      bytes_per_frame: fullSize.bytes_per_frame,
      full_size_every_frame: fullSize,
      letterboxed_416_at_5fps: modelInput,
      rgb_vs_jpeg: await rgbVsJpeg(frames),
      letterbox: await letterboxWhere(frames),
      encoder: encoderCopies(frames),
      cpus: (await import('node:os')).cpus().length,
      seconds: round((performance.now() - t0) / 1000, 1),
    };
    const out = join(REPO_ROOT, 'bench/results/ingest.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result));
  } finally {
    await ingest.stop();
    await nats.dispose();
  }
}

void main();
