import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import ffmpeg from 'fluent-ffmpeg';
import type { Logger } from '@va/common';
import type { FfmpegPlan } from './ffmpeg-args.js';
import { redact } from './source-url.js';

/**
 * Started in place of ffmpeg so the child dies with this process (see the script). It runs the
 * ffmpeg VA_INGEST_FFMPEG_PATH names (config.ts checks it), read from the environment fluent-ffmpeg
 * spawns with, and first writes its pid to stderr (PID_LINE).
 */
const CHILD_WRAPPER = fileURLToPath(new URL('../bin/ffmpeg-child.sh', import.meta.url));
const PID_LINE = /^va-ffmpeg-child pid=(\d+)$/;
/** fluent-ffmpeg reports a signalled exit only in its error's text (processor.js). */
const KILLED_BY = /^ffmpeg was killed with signal (\w+)/;

export interface SourceInfo {
  width: number;
  height: number;
  /** The stream's nominal rate when ffmpeg reports one. */
  fps: number | undefined;
  codec: string;
}

export interface FfmpegExit {
  /** ffmpeg's own error lines (level error or worse), newest last, de-duplicated. */
  errors: string[];
  /** One readable reason: ffmpeg's errors, else how it ended. */
  reason: string;
  /** Exit code 0 and not killed. */
  clean: boolean;
  /** Ended because stop() or kill() was called. */
  stopped: boolean;
  /** The signal that ended ffmpeg, whoever sent it. */
  signal: string | undefined;
}

export interface FfmpegProcessOptions {
  plan: FfmpegPlan;
  /** Receives stdout (rawvideo). */
  sink: Writable;
  log: Logger;
  onStart?(pid: number): void;
  onSourceInfo(info: SourceInfo): void;
  onExit(exit: FfmpegExit): void;
}

const MAX_ERROR_LINES = 5;

/**
 * One ffmpeg run through fluent-ffmpeg: builds the command, reads stdout into `sink`, keeps
 * ffmpeg's error lines, reports the source size once probed, and kills on stop (SIGTERM, then
 * SIGKILL after a grace period).
 */
export class FfmpegProcess {
  private readonly command: ffmpeg.FfmpegCommand;
  private readonly errors: string[] = [];
  private stopping = false;
  private ended = false;
  private result: Error | undefined | null = null;
  private spawned = false;
  private stdoutOpen = false;
  private readonly exited: Promise<void>;
  private resolveExited!: () => void;
  pid: number | undefined;

  constructor(private readonly options: FfmpegProcessOptions) {
    const { plan } = options;
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.command = ffmpeg({ stdoutLines: 20 })
      .setFfmpegPath(CHILD_WRAPPER)
      .input(plan.input.target)
      // Spread, not an array: fluent-ffmpeg splits an array element with one space in two, which
      // would break a value such as "Host: camera\r\n".
      .inputOptions(...plan.input.options)
      .videoFilters(plan.videoFilters)
      .outputOptions(['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'level+info', ...plan.outputOptions])
      .output(options.sink, { end: false });
    // ffmpeg's stdout is piped into the sink with end: false; its end unpipes it ('exit' can come
    // before the last bytes of stdout: the exit is reported once both happened).
    options.sink.once('unpipe', () => this.stdoutEnded());
    this.command.on('start', (commandLine: string) => this.started(commandLine));
    this.command.on('codecData', (data: { video?: string; video_details?: string[] }) => this.codecData(data));
    this.command.on('stderr', (line: string) => this.stderrLine(line));
    this.command.on('error', (err: Error) => this.finish(err));
    this.command.on('end', () => this.finish(undefined));
  }

  start(): void {
    this.command.run();
  }

  /** Ends ffmpeg: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.ended) return;
    if (this.spawned) this.command.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL now (shutdown past its grace, or a stalled source). */
  kill(): void {
    this.stopping = true;
    if (this.spawned && !this.ended) this.command.kill('SIGKILL');
  }

  private started(commandLine: string): void {
    this.spawned = true;
    this.stdoutOpen = true;
    this.options.log.debug({ command: redact(commandLine) }, 'ffmpeg started');
    if (this.stopping) this.command.kill('SIGKILL');
  }

  private stdoutEnded(): void {
    this.stdoutOpen = false;
    if (this.result !== null) this.finish(this.result);
  }

  private codecData(data: { video?: string; video_details?: string[] }): void {
    const details = (data.video_details ?? []).join(', ');
    const size = /(?:^|[\s,])(\d{1,5})x(\d{1,5})(?=[\s,[]|$)/.exec(details);
    if (!data.video || !size) {
      this.errors.push(
        data.video ? `cannot read the picture size from "${details.slice(0, 200)}"` : 'the source has no video stream',
      );
      this.kill();
      return;
    }
    const fps = /([\d.]+) fps/.exec(details);
    this.options.onSourceInfo({
      width: Number(size[1]),
      height: Number(size[2]),
      fps: fps ? Number(fps[1]) : undefined,
      codec: data.video,
    });
  }

  private stderrLine(line: string): void {
    const pid = this.pid === undefined ? PID_LINE.exec(line) : null;
    if (pid) {
      this.pid = Number(pid[1]);
      if (!this.stopping) this.options.onStart?.(this.pid);
      return;
    }
    const m = /\[(error|fatal|panic)\]\s*(.*)$/.exec(line);
    if (!m || !m[2]) return;
    const message = redact(m[2].trim());
    if (this.errors.at(-1) === message) return;
    this.errors.push(message);
    if (this.errors.length > MAX_ERROR_LINES) this.errors.shift();
  }

  private finish(err: Error | undefined): void {
    if (this.ended) return;
    this.result = err;
    if (this.stdoutOpen) return;
    this.ended = true;
    const clean = err === undefined;
    const how = err ? redact(err.message.split('\n')[0]?.replace(/:\s*$/, '') ?? 'ffmpeg failed') : 'ffmpeg ended';
    const reason = this.errors.length > 0 ? this.errors.join('; ') : how;
    this.options.onExit({
      errors: [...this.errors],
      reason,
      clean,
      stopped: this.stopping,
      signal: err ? KILLED_BY.exec(err.message)?.[1] : undefined,
    });
    this.resolveExited();
  }
}
