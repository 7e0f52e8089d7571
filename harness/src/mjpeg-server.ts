import { execFileSync } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestMjpegServer {
  /** multipart/x-mixed-replace JPEG stream, looping the frames at `fps`. */
  url: string;
  /** Answers 200 text/html: a camera URL that returns garbage. */
  garbageUrl: string;
  jpegs: Buffer[];
  close(): Promise<void>;
}

/** JPEGs made by real ffmpeg from `clip`: `seconds` of it at `fps`, `width` x `height`. */
export function jpegsFromClip(
  clip: string,
  options: { seconds: number; fps: number; width: number; height: number },
): Buffer[] {
  const out = execFileSync(
    'ffmpeg',
    [
      '-nostdin',
      '-loglevel',
      'error',
      '-i',
      clip,
      '-t',
      String(options.seconds),
      '-vf',
      `fps=${options.fps},scale=${options.width}:${options.height}`,
      '-f',
      'image2pipe',
      '-c:v',
      'mjpeg',
      '-q:v',
      '5',
      'pipe:1',
    ],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const jpegs: Buffer[] = [];
  let start = 0;
  for (let i = 2; i < out.length - 1; i++) {
    // ffmpeg's JPEGs follow each other directly: EOI (FF D9) then the next SOI (FF D8).
    if (out[i] === 0xff && out[i + 1] === 0xd8 && out[i - 2] === 0xff && out[i - 1] === 0xd9) {
      jpegs.push(out.subarray(start, i));
      start = i;
    }
  }
  jpegs.push(out.subarray(start));
  return jpegs;
}

/** A small real HTTP MJPEG camera, as IP cameras serve it. */
export async function startMjpegServer(jpegs: Buffer[], fps: number): Promise<TestMjpegServer> {
  const streams = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    if (req.url === '/garbage') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>login required</body></html>'.repeat(200));
      return;
    }
    if (req.url !== '/stream') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=frame', 'cache-control': 'no-cache' });
    streams.add(res);
    let i = 0;
    const timer = setInterval(() => {
      const jpeg = jpegs[i++ % jpegs.length] as Buffer;
      res.write(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`);
      res.write(jpeg);
      res.write('\r\n');
    }, 1000 / fps);
    res.on('close', () => {
      clearInterval(timer);
      streams.delete(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/stream`,
    garbageUrl: `http://127.0.0.1:${port}/garbage`,
    jpegs,
    close: async () => {
      for (const res of streams) res.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
