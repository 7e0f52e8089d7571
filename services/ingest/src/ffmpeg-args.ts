import { PixelFormat } from '@va/proto/va/common/v1/frame';
import { selectFilter } from './frame-sampler.js';
import { resizeFilters } from './letterbox.js';
import type { NetworkSource, SourceUrl } from './source-url.js';
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
  /** Let ffmpeg follow HTTP redirects (to hosts nobody checked). */
  allowHttpRedirects: boolean;
  /** Let ffmpeg open HLS playlists (whose segments may name hosts nobody checked). */
  allowPlaylists: boolean;
}

/** File containers ffmpeg may open for file: sources (no playlists or concat lists that could reach other files). */
const FILE_FORMATS =
  'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,flv,h264,hevc,mjpeg,mpeg,mpegvideo,m4v,asf,ivf,image2,png_pipe,jpeg_pipe';
/** What HTTP cameras serve: multipart MJPEG, bare MJPEG or JPEG, and elementary or muxed H.264/H.265. */
const HTTP_FORMATS = 'mpjpeg,mjpeg,jpeg_pipe,mpegts,h264,hevc,flv,matroska';
/** HLS and the fragmented MP4 its segments may carry; only with VA_INGEST_ALLOW_PLAYLISTS. */
const PLAYLIST_FORMATS = 'hls,mov';

/**
 * What ffmpeg gets for one source: input options, the filter chain and the raw output.
 * `address` is the checked address of a network source's host for this connect (source-host.ts).
 */
export function ffmpegPlan(stream: ValidStream, settings: FfmpegSettings, address?: string): FfmpegPlan {
  const rawFormat = stream.pixelFormat === PixelFormat.PIXEL_FORMAT_BGR24 ? 'bgr24' : 'rgb24';
  const select = selectFilter(stream.targetFps);
  return {
    input: inputFor(stream.source, stream, settings, address),
    videoFilters: [
      ...(select ? [select] : []),
      ...resizeFilters(stream.width, stream.height, stream.letterbox, rawFormat),
    ],
    outputOptions: [
      '-map',
      '0:v:0',
      '-an',
      '-sn',
      '-dn',
      // Frames leave as the select filter keeps them: never duplicated to fill a constant rate.
      '-fps_mode',
      'passthrough',
      '-f',
      'rawvideo',
      '-pix_fmt',
      rawFormat,
    ],
    rawFormat,
  };
}

function inputFor(
  source: SourceUrl,
  stream: ValidStream,
  settings: FfmpegSettings,
  address: string | undefined,
): FfmpegInput {
  const input = sourceInput(source, stream, settings, address);
  // A decoder thread per core costs a frame of latency each and little throughput when many
  // streams already share the cores.
  return settings.decodeThreads > 0
    ? { ...input, options: ['-threads', String(settings.decodeThreads), ...input.options] }
    : input;
}

function sourceInput(
  source: SourceUrl,
  stream: ValidStream,
  settings: FfmpegSettings,
  address: string | undefined,
): FfmpegInput {
  const ioTimeoutUs = String(settings.readTimeoutMs * 1000);
  switch (source.kind) {
    case 'file':
      return {
        target: `file:${source.path}`,
        options: [
          ...(stream.realtime ? ['-re'] : []),
          ...(stream.loop ? ['-stream_loop', '-1'] : []),
          '-protocol_whitelist',
          'file',
          '-format_whitelist',
          FILE_FORMATS,
        ],
      };
    case 'rtsp':
      return {
        target: source.tls ? source.url : pinned(source, address),
        // Interleaved over the RTSP connection: no UDP or RTP sockets a server could point elsewhere.
        options: [
          '-rtsp_transport',
          'tcp',
          '-timeout',
          ioTimeoutUs,
          '-protocol_whitelist',
          'rtsp,rtsps,tcp,tls',
          '-format_whitelist',
          'rtsp',
        ],
      };
    case 'http': {
      // A custom Host header would follow a redirect or a playlist to another host, so a name is
      // pinned only while ffmpeg may not leave the checked host.
      const pin = !source.tls && !settings.allowHttpRedirects && !settings.allowPlaylists && address !== undefined;
      return {
        target: pin ? pinned(source, address) : source.url,
        options: [
          '-timeout',
          ioTimeoutUs,
          // MJPEG carries no timestamps: arrival time drives fps sampling.
          '-use_wallclock_as_timestamps',
          '1',
          '-protocol_whitelist',
          'http,https,tcp,tls',
          '-format_whitelist',
          settings.allowPlaylists ? `${HTTP_FORMATS},${PLAYLIST_FORMATS}` : HTTP_FORMATS,
          ...(settings.allowHttpRedirects ? [] : ['-max_redirects', '0']),
          ...(pin ? ['-headers', `Host: ${new URL(source.url).host}\r\n`] : []),
        ],
      };
    }
    case 'testsrc': {
      const size = `${source.width}x${source.height}`;
      const args =
        source.pattern === 'color'
          ? `color=c=gray:size=${size}:rate=${source.rate}`
          : `${source.pattern}=size=${size}:rate=${source.rate}`;
      // A synthetic camera: paced in real time like a live one.
      return { target: args, options: ['-re', '-f', 'lavfi'] };
    }
  }
}

/** The URL with its host replaced by the checked address, so ffmpeg cannot resolve the name to another one. */
function pinned(source: NetworkSource, address: string | undefined): string {
  if (address === undefined) return source.url;
  const url = new URL(source.url);
  url.hostname = address.includes(':') ? `[${address}]` : address;
  return url.href;
}
