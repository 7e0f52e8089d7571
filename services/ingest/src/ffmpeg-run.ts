import type { Logger } from '@va/common';
import type { FfmpegPlan } from './ffmpeg-args.js';
import { FfmpegProcess, type FfmpegExit, type SourceInfo } from './ffmpeg-process.js';
import { FrameReader, type RawFrame } from './frame-reader.js';
import type { RunFacts } from './stream-exit.js';

export interface FfmpegRunOptions {
  plan: FfmpegPlan;
  log: Logger;
  connectTimeoutMs: number;
  /** Frame size to read when known before the probe (a stream with a fixed output size). */
  frameBytes: number | undefined;
  onFrame(raw: RawFrame): void;
  onNoBuffer(): void;
  onSourceInfo(info: SourceInfo): void;
  onExit(exit: FfmpegExit): void;
  /** Extra buffers the frame pool may lend for frames kept after publishing (the evidence ring). */
  lendableFor?: (frameBytes: number) => number;
}

/**
 * One ffmpeg run: the process, the reader of its frames, and the watchdog that kills it when no
 * first frame comes within the connect timeout or the frames stop (a stall). Remembers what the
 * stream needs to judge the exit (stream-exit.ts).
 */
export class FfmpegRun {
  readonly facts: RunFacts = { frames: 0, stalled: false, failure: undefined };
  /** When the first frame came. */
  runningSince: number | undefined;
  private ended = false;
  private stopping = false;
  private readonly reader: FrameReader;
  private readonly ffmpeg: FfmpegProcess;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(private readonly options: FfmpegRunOptions) {
    this.reader = new FrameReader(
      { onFrame: options.onFrame, onNoBuffer: options.onNoBuffer },
      undefined,
      options.lendableFor,
    );
    if (options.frameBytes !== undefined) this.reader.setFrameBytes(options.frameBytes);
    const connectReason = `no frame within ${options.connectTimeoutMs} ms of starting ffmpeg`;
    this.ffmpeg = new FfmpegProcess({
      plan: options.plan,
      sink: this.reader,
      log: options.log,
      // fluent-ffmpeg probes ffmpeg's capabilities before the first spawn; the connect deadline
      // counts from the spawn (and, as a guard, from start()).
      onStart: () => this.armWatchdog(options.connectTimeoutMs, connectReason),
      onSourceInfo: options.onSourceInfo,
      onExit: (exit) => this.exited(exit),
    });
  }

  get pid(): number | undefined {
    return this.ended ? undefined : this.ffmpeg.pid;
  }

  /** Bytes of a frame torn by the end of the run (not published). */
  get partialBytes(): number {
    return this.reader.partialBytes;
  }

  start(): void {
    this.armWatchdog(
      this.options.connectTimeoutMs,
      `no frame within ${this.options.connectTimeoutMs} ms of starting ffmpeg`,
    );
    this.ffmpeg.start();
  }

  setFrameBytes(bytes: number): void {
    this.reader.setFrameBytes(bytes);
  }

  release(buffer: Uint8Array): void {
    this.reader.release(buffer);
  }

  /** A frame came: counted, and the stall deadline moves. True for the run's first frame. */
  frameArrived(stallMs: number): boolean {
    this.facts.frames++;
    this.armWatchdog(stallMs, `stalled: no frame for ${stallMs} ms`);
    if (this.runningSince !== undefined) return false;
    this.runningSince = Date.now();
    return true;
  }

  /** Ends the run for a reason retrying cannot fix. */
  fail(reason: string): void {
    this.facts.failure = reason;
    this.ffmpeg.kill();
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.watchdog);
    await this.ffmpeg.stop(graceMs);
  }

  kill(): void {
    this.ffmpeg.kill();
  }

  private armWatchdog(ms: number, reason: string): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      // Frames still coming while ffmpeg stops re-arm it; stopping is no stall.
      if (this.ended || this.stopping) return;
      this.facts.stalled = true;
      this.facts.failure = reason;
      this.options.log.warn({ reason }, 'source stalled; killing ffmpeg');
      this.ffmpeg.kill();
    }, ms);
    this.watchdog.unref();
  }

  private exited(exit: FfmpegExit): void {
    this.ended = true;
    clearTimeout(this.watchdog);
    this.options.onExit(exit);
  }
}
