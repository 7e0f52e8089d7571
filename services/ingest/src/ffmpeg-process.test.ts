import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createLogger } from '@va/common';
import { FfmpegProcess, type FfmpegExit } from './ffmpeg-process.js';

const WIDTH = 64;
const HEIGHT = 48;
const FRAMES = 15;

/** argv[0] of a live process, or undefined once it is gone. */
function argv0(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
  } catch {
    return undefined;
  }
}

describe('FfmpegProcess runs the configured ffmpeg through the wrapper (real ffmpeg)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'va-ffmpeg-process-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts VA_INGEST_FFMPEG_PATH, reports its pid, delivers every frame before the exit, and writes nothing into process.env', async () => {
    // The service's environment names the ffmpeg to run (config.ts checks it): here a link with a
    // name of its own, so the process that runs shows which path was started.
    const configured = join(dir, 'ffmpeg-under-test');
    symlinkSync(execFileSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).trim(), configured);
    const saved = process.env.VA_INGEST_FFMPEG_PATH;
    process.env.VA_INGEST_FFMPEG_PATH = configured;
    const envBefore = JSON.stringify(process.env);

    let bytes = 0;
    let bytesAtExit = -1;
    const names = new Set<string>();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done();
      },
    });
    try {
      const exit = await new Promise<FfmpegExit>((resolve) => {
        const ffmpeg = new FfmpegProcess({
          plan: {
            // Real time (-re) so the process lives long enough to be looked at.
            input: { target: `testsrc=size=${WIDTH}x${HEIGHT}:rate=10`, options: ['-re', '-f', 'lavfi'] },
            videoFilters: [],
            outputOptions: ['-frames:v', String(FRAMES), '-f', 'rawvideo', '-pix_fmt', 'rgb24'],
            rawFormat: 'rgb24',
          },
          sink,
          log: createLogger('test', 'warn'),
          onStart: (pid) => {
            assert.equal(ffmpeg.pid, pid);
            // The wrapper execs setpriv, which execs ffmpeg under the same pid: watch it until it is ffmpeg.
            const watch = setInterval(() => {
              const name = argv0(pid);
              if (name === undefined) clearInterval(watch);
              else names.add(name);
            }, 20);
          },
          onSourceInfo: () => undefined,
          onExit: (e) => {
            bytesAtExit = bytes;
            resolve(e);
          },
        });
        ffmpeg.start();
      });
      assert.ok(exit.clean, `ffmpeg ended cleanly: ${exit.reason}`);
      assert.ok(
        names.has(configured),
        `the process ran ${configured}; it was seen as ${[...names].join(', ') || 'nothing'}`,
      );
      assert.equal(
        bytesAtExit,
        FRAMES * WIDTH * HEIGHT * 3,
        `every frame reached the sink before the exit was reported (${bytesAtExit} bytes)`,
      );
      assert.equal(JSON.stringify(process.env), envBefore, 'process.env is unchanged');
    } finally {
      if (saved === undefined) delete process.env.VA_INGEST_FFMPEG_PATH;
      else process.env.VA_INGEST_FFMPEG_PATH = saved;
    }
  });
});
