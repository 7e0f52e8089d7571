import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import { StreamSpec } from '@va/proto/va/ingest/v1/ingest';
import { ffmpegPlan, type FfmpegSettings } from './ffmpeg-args.js';
import type { SourceUrl } from './source-url.js';
import type { ValidStream } from './stream-spec.js';

const settings: FfmpegSettings = {
  readTimeoutMs: 5000,
  decodeThreads: 0,
  allowHttpRedirects: false,
  allowPlaylists: false,
};

function stream(source: SourceUrl): ValidStream {
  const url = 'url' in source ? source.url : 'testsrc://testsrc2';
  return {
    spec: StreamSpec.fromPartial({ cameraId: 'cam', url }),
    source,
    width: 0,
    height: 0,
    targetFps: 0,
    letterbox: false,
    pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
    jpegQuality: 0,
    loop: false,
    realtime: false,
    detectEvery: 1,
    motionGate: undefined,
  };
}

/** The value following `name` in the input options, or undefined when the option is absent. */
function option(options: string[], name: string): string | undefined {
  const i = options.indexOf(name);
  return i < 0 ? undefined : options[i + 1];
}

describe('ffmpeg input for network sources', () => {
  const http = stream({
    kind: 'http',
    url: 'http://user:pw@cam.example:8080/video?x=1',
    host: 'cam.example',
    tls: false,
  });

  it('pins an HTTP camera to the checked address, keeps its Host, and refuses redirects and playlists', () => {
    const { input } = ffmpegPlan(http, settings, '203.0.114.7');
    assert.equal(input.target, 'http://user:pw@203.0.114.7:8080/video?x=1');
    assert.equal(option(input.options, '-headers'), 'Host: cam.example:8080\r\n');
    assert.equal(option(input.options, '-max_redirects'), '0');
    assert.equal(option(input.options, '-protocol_whitelist'), 'http,https,tcp,tls');
    assert.doesNotMatch(option(input.options, '-format_whitelist') ?? '', /hls|concat|dash/);
    assert.equal(
      ffmpegPlan(http, settings, '2a00:1450::1').input.target,
      'http://user:pw@[2a00:1450::1]:8080/video?x=1',
    );
  });

  it('leaves the name to ffmpeg where a pinned Host would follow it elsewhere, or TLS needs it', () => {
    const redirects = ffmpegPlan(http, { ...settings, allowHttpRedirects: true }, '203.0.114.7').input;
    assert.equal(redirects.target, 'http://user:pw@cam.example:8080/video?x=1');
    assert.equal(option(redirects.options, '-max_redirects'), undefined);
    assert.equal(option(redirects.options, '-headers'), undefined);
    const playlists = ffmpegPlan(http, { ...settings, allowPlaylists: true }, '203.0.114.7').input;
    assert.equal(playlists.target, 'http://user:pw@cam.example:8080/video?x=1');
    assert.match(option(playlists.options, '-format_whitelist') ?? '', /(^|,)hls(,|$)/);
    assert.equal(option(playlists.options, '-max_redirects'), '0');
    const https = ffmpegPlan(
      stream({ kind: 'http', url: 'https://cam.example/video', host: 'cam.example', tls: true }),
      settings,
      '203.0.114.7',
    ).input;
    assert.equal(https.target, 'https://cam.example/video');
    assert.equal(option(https.options, '-max_redirects'), '0');
  });

  it('pins RTSP, keeps it on one TCP connection and lets only the RTSP demuxer in', () => {
    const rtsp = ffmpegPlan(
      stream({ kind: 'rtsp', url: 'rtsp://admin:s3cr%40t@cam.example:554/live', host: 'cam.example', tls: false }),
      settings,
      '203.0.114.7',
    ).input;
    assert.equal(rtsp.target, 'rtsp://admin:s3cr%40t@203.0.114.7:554/live');
    assert.equal(option(rtsp.options, '-rtsp_transport'), 'tcp');
    assert.equal(option(rtsp.options, '-protocol_whitelist'), 'rtsp,rtsps,tcp,tls');
    assert.equal(option(rtsp.options, '-format_whitelist'), 'rtsp');
    const v6 = ffmpegPlan(
      stream({ kind: 'rtsp', url: 'rtsp://cam.example/live', host: 'cam.example', tls: false }),
      settings,
      '2a00:1450::1',
    ).input;
    assert.equal(v6.target, 'rtsp://[2a00:1450::1]/live');
    const rtsps = ffmpegPlan(
      stream({ kind: 'rtsp', url: 'rtsps://cam.example/live', host: 'cam.example', tls: true }),
      settings,
      '203.0.114.7',
    ).input;
    assert.equal(rtsps.target, 'rtsps://cam.example/live');
  });
});
