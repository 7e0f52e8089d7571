import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { REPO_ROOT } from './shared.js';

export interface TestRtspServer {
  url: string;
  /** SIGKILL: connections drop the way a crashed camera drops them. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: connections stay open and go silent, like a hung camera. */
  freeze(): void;
  thaw(): void;
}

/** GStreamer's RTSP server (harness/src/rtsp-server.py) serving `clip` at rtsp://127.0.0.1:<port>/clip. */
export async function startRtspServer(clip: string): Promise<TestRtspServer> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const p = spawn('/usr/bin/python3', [join(REPO_ROOT, 'harness/src/rtsp-server.py'), String(port), clip], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      proc = p;
      let err = '';
      p.stderr?.on('data', (c: Buffer) => (err += c.toString()));
      p.stdout?.on('data', (c: Buffer) => {
        if (c.toString().includes('ready')) resolve();
      });
      p.once('exit', (code) =>
        reject(
          new Error(
            `RTSP server exited with ${code}: ${err || 'is python3-gi with GstRtspServer installed? run deploy/local/setup.sh'}`,
          ),
        ),
      );
    });
  const kill = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `rtsp://127.0.0.1:${port}/clip`,
    kill,
    restart: start,
    freeze: () => proc?.kill('SIGSTOP'),
    thaw: () => proc?.kill('SIGCONT'),
  };
}
