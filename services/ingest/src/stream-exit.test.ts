import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FfmpegExit } from './ffmpeg-process.js';
import { judgeExit, type RunFacts } from './stream-exit.js';

const file = { kind: 'file', loop: false };
const rtsp = { kind: 'rtsp', loop: false };
const run = (over: Partial<RunFacts> = {}): RunFacts => ({ frames: 10, stalled: false, failure: undefined, ...over });
const exit = (over: Partial<FfmpegExit> = {}): FfmpegExit => ({
  errors: [],
  reason: 'ffmpeg ended',
  clean: true,
  stopped: false,
  signal: undefined,
  ...over,
});

describe('what a stream does when ffmpeg ends', () => {
  it('completes a file that ended cleanly, and loops a looping one', () => {
    assert.deepEqual(judgeExit(file, run(), exit(), 'ffmpeg ended'), { next: 'completed' });
    assert.deepEqual(judgeExit({ kind: 'file', loop: true }, run(), exit(), 'ffmpeg ended'), {
      next: 'retry',
      error: 'source ended',
    });
  });

  it('fails a corrupt file once with ffmpeg’s reason, and a file without a decodable frame', () => {
    const corrupt = exit({
      clean: false,
      errors: ['Invalid data found when processing input'],
      reason: 'Invalid data found when processing input',
    });
    assert.deepEqual(judgeExit(file, run({ frames: 0 }), corrupt, corrupt.reason), {
      next: 'failed',
      error: 'Invalid data found when processing input',
    });
    assert.deepEqual(judgeExit(file, run({ frames: 0 }), exit(), 'ffmpeg ended'), {
      next: 'failed',
      error: 'no video frames could be decoded',
    });
  });

  it('fails a source this side refused to publish, whatever its kind', () => {
    const failure =
      'a 4000x3000 raw frame (36000000 bytes) is larger than NATS max_payload (8388608); set width and height or use JPEG';
    const killed = exit({
      clean: false,
      stopped: true,
      signal: 'SIGKILL',
      reason: 'ffmpeg was killed with signal SIGKILL',
    });
    assert.deepEqual(judgeExit(rtsp, run({ frames: 0, failure }), killed, killed.reason), {
      next: 'failed',
      error: failure,
    });
    assert.deepEqual(judgeExit(file, run({ frames: 0, failure }), killed, killed.reason), {
      next: 'failed',
      error: failure,
    });
  });

  it('retries a stall with the watchdog’s reason, for files too', () => {
    const killed = exit({
      clean: false,
      stopped: true,
      signal: 'SIGKILL',
      reason: 'ffmpeg was killed with signal SIGKILL',
    });
    const stalled = run({ stalled: true, failure: 'stalled: no frame for 5000 ms' });
    assert.deepEqual(judgeExit(rtsp, stalled, killed, killed.reason), {
      next: 'retry',
      error: 'stalled: no frame for 5000 ms',
    });
    assert.deepEqual(judgeExit(file, stalled, killed, killed.reason), {
      next: 'retry',
      error: 'stalled: no frame for 5000 ms',
    });
  });

  it('retries a file whose ffmpeg was killed by a signal from elsewhere: the file is not to blame', () => {
    const killed = exit({ clean: false, signal: 'SIGKILL', reason: 'ffmpeg was killed with signal SIGKILL' });
    assert.deepEqual(judgeExit(file, run(), killed, killed.reason), {
      next: 'retry',
      error: 'ffmpeg was killed with signal SIGKILL',
    });
  });

  it('retries a live source that ended or failed, with the reason given', () => {
    assert.deepEqual(judgeExit(rtsp, run(), exit(), 'ffmpeg ended'), { next: 'retry', error: 'source ended' });
    const lost = exit({ clean: false, errors: ['Connection refused'], reason: 'Connection refused' });
    assert.deepEqual(judgeExit(rtsp, run({ frames: 0 }), lost, 'Connection refused (explained)'), {
      next: 'retry',
      error: 'Connection refused (explained)',
    });
  });
});
