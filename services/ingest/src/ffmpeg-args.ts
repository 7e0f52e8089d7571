import { PixelFormat } from '@va/common/gen/va/common/v1/frame';
import { selectFilter } from './frame-sampler.js';
import { resizeFilters } from './letterbox.js';
import type { SourceUrl } from './source-url.js';
import type { ValidStream } from './stream-spec.js';

export interface FfmpegInput {
  /** What follows -i. */
  target: string;
  /** Options placed before -i. */
  options: string[];
}

export interface FfmpegPlan {
  input: FfmpegInput;
  videoFilters: string[];
  outputOptions: string[];
  /** Packed pixel layout ffmpeg writes to stdout (JPEG streams are encoded from RGB here). */
  rawFormat: 'rgb24' | 'bgr24';
}

export interface FfmpegSettings {
  /** Socket I/O timeout for RTSP and HTTP sources. */
  readTimeoutMs: number;
  /** Decoder threads (0: ffmpeg's choice). */
  decodeThreads: number;
}

/** File containers ffmpeg may open for file: sources (no playlists or concat lists that could reach other files). */
const FILE_FORMATS = 'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,flv,h264,hevc,mjpeg,mpeg,mpegvideo,m4v,asf,ivf,image2,png_pipe,jpeg_pipe';

/** What ffmpeg gets for one source: input options, the filter chain and the raw output. */
export function ffmpegPlan(stream: ValidStream, settings: FfmpegSettings): FfmpegPlan {
  const rawFormat = stream.pixelFormat === PixelFormat.PIXEL_FORMAT_BGR24 ? 'bgr24' : 'rgb24';
  const select = selectFilter(stream.targetFps);
  return {
    input: inputFor(stream.source, stream, settings),
    videoFilters: [...(select ? [select] : []), ...resizeFilters(stream.width, stream.height, stream.letterbox, rawFormat)],
    outputOptions: [
      '-map', '0:v:0',
      '-an', '-sn', '-dn',
      // Frames leave as the select filter keeps them: never duplicated to fill a constant rate.
      '-fps_mode', 'passthrough',
      '-f', 'rawvideo',
      '-pix_fmt', rawFormat,
    ],
    rawFormat,
  };
}

function inputFor(source: SourceUrl, stream: ValidStream, settings: FfmpegSettings): FfmpegInput {
  const input = sourceInput(source, stream, String(settings.readTimeoutMs * 1000));
  // A decoder thread per core costs a frame of latency each and little throughput when many
  // streams already share the cores.
  return settings.decodeThreads > 0 ? { ...input, options: ['-threads', String(settings.decodeThreads), ...input.options] } : input;
}

function sourceInput(source: SourceUrl, stream: ValidStream, ioTimeoutUs: string): FfmpegInput {
  switch (source.kind) {
    case 'file':
      return {
        target: `file:${source.path}`,
        options: [
          ...(stream.realtime ? ['-re'] : []),
          ...(stream.loop ? ['-stream_loop', '-1'] : []),
          '-protocol_whitelist', 'file',
          '-format_whitelist', FILE_FORMATS,
        ],
      };
    case 'rtsp':
      return {
        target: source.url,
        options: ['-rtsp_transport', 'tcp', '-timeout', ioTimeoutUs, '-protocol_whitelist', 'rtsp,rtsps,tcp,tls,rtp,udp'],
      };
    case 'http':
      return {
        target: source.url,
        // MJPEG carries no timestamps: arrival time drives fps sampling.
        options: ['-timeout', ioTimeoutUs, '-use_wallclock_as_timestamps', '1', '-protocol_whitelist', 'http,https,tcp,tls'],
      };
    case 'testsrc': {
      const size = `${source.width}x${source.height}`;
      const args = source.pattern === 'color' ? `color=c=gray:size=${size}:rate=${source.rate}` : `${source.pattern}=size=${size}:rate=${source.rate}`;
      // A synthetic camera: paced in real time like a live one.
      return { target: args, options: ['-re', '-f', 'lavfi'] };
    }
  }
}
