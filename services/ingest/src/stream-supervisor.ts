import { randomBytes } from 'node:crypto';
import { errorMessage, subjects, type Logger } from '@va/common';
import { PixelFormat, type Letterbox } from '@va/common/gen/va/common/v1/frame';
import { StreamState, type StreamStatus } from '@va/common/gen/va/ingest/v1/ingest';
import { Backoff, type BackoffOptions } from './backoff.js';
import type { BusGate } from './bus-gate.js';
import { ffmpegPlan } from './ffmpeg-args.js';
import { FfmpegProcess, type FfmpegExit, type SourceInfo } from './ffmpeg-process.js';
import { FRAME_HEAD_RESERVE, FRAME_TAIL_RESERVE } from './frame-pool.js';
import { DetectionPolicy } from './detection-policy.js';
import { DetectionSchedule } from './detection-schedule.js';
import { FramePublisher, type DropReason, type PendingFrame } from './frame-publisher.js';
import { FrameReader, type RawFrame } from './frame-reader.js';
import { FrameStatsSampler, type StatsRegion } from './frame-stats.js';
import type { IngestMetrics } from './ingest-metrics.js';
import { letterboxGeometry } from './letterbox.js';
import { MotionGate } from './motion-gate.js';
import { RateMeter } from './rate-meter.js';
import { checkHost } from './source-host.js';
import { redact } from './source-url.js';
import type { ValidStream } from './stream-spec.js';

export interface SupervisorSettings {
  connectTimeoutMs: number;
  readTimeoutMs: number;
  decodeThreads: number;
  allowLocalNetwork: boolean;
  allowHttpRedirects: boolean;
  allowPlaylists: boolean;
  stallTimeoutMs: number;
  backoff: BackoffOptions & { resetAfterMs: number };
  maxFrameAgeMs: number;
  ffmpegKillGraceMs: number;
  /** The server's max_payload: a raw frame larger than this cannot be published. */
  maxPayloadBytes: () => number;
}

export interface SupervisorDeps {
  settings: SupervisorSettings;
  gate: BusGate;
  metrics: IngestMetrics;
  log: Logger;
}

interface Run {
  ffmpeg: FfmpegProcess;
  reader: FrameReader;
  frames: number;
  runningSince: number | undefined;
  stalled: boolean;
  failure: string | undefined;
  ended: boolean;
}

/**
 * One camera stream: runs ffmpeg, turns its output into Frames, and keeps it alive.
 *
 *   CONNECTING --first frame--> RUNNING --dies / stalls--> BACKOFF --delay--> CONNECTING
 *   CONNECTING --host refused or unresolved (checked before each ffmpeg)--> BACKOFF
 *   file sources: corrupt or unreadable -> FAILED (ffmpeg's reason), clean end -> COMPLETED
 *   stop() from any state -> STOPPED
 *
 * A stream's epoch is fixed from start() to stop(); reconnects keep counting the sequence, so a
 * gap in sequence numbers is always a dropped or lost frame and a new epoch is a new run.
 */
export class StreamSupervisor {
  readonly cameraId: string;
  readonly epoch = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  private state = StreamState.STREAM_STATE_STOPPED;
  private stateSince = Date.now();
  private lastError = '';
  private nextAttemptAt = 0;
  private sequence = 0;
  private restarts = 0;
  private framesRead = 0;
  private framesPublished = 0;
  private bytesPublished = 0;
  private framesGated = 0;
  private lastFrameAt = 0;
  private readonly drops = new Map<string, number>();
  private readonly fpsIn = new RateMeter();
  private readonly fpsOut = new RateMeter();
  private readonly backoff: Backoff;
  private readonly publisher: FramePublisher;
  private readonly detection: DetectionPolicy;
  private readonly log: Logger;
  private run: Run | undefined;
  private source: SourceInfo | undefined;
  private outWidth: number;
  private outHeight: number;
  private letterbox: Letterbox | undefined;
  private statsRegion: StatsRegion | undefined;
  private statsSampler: FrameStatsSampler | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly stream: ValidStream,
    private readonly deps: SupervisorDeps,
  ) {
    this.cameraId = stream.spec.cameraId;
    this.outWidth = stream.width;
    this.outHeight = stream.height;
    this.log = deps.log.child({ component: 'stream', cameraId: this.cameraId });
    this.backoff = new Backoff(deps.settings.backoff);
    this.detection = new DetectionPolicy(new DetectionSchedule(stream.detectEvery), stream.motionGate && new MotionGate(stream.motionGate));
    this.publisher = new FramePublisher({
      subject: subjects.frames(this.cameraId),
      gate: deps.gate,
      pixelFormat: stream.pixelFormat,
      jpegQuality: stream.jpegQuality,
      maxFrameAgeMs: deps.settings.maxFrameAgeMs,
      onPublished: (bytes, frame, publishTsMs) => this.published(bytes, frame, publishTsMs),
      onDropped: (reason) => this.dropped(reason),
      onError: (reason, err) => this.log.warn({ reason, err: String(err) }, 'frame not published'),
    });
  }

  start(): void {
    this.log.info({ url: redact(this.stream.spec.url), epoch: this.epoch }, 'stream starting');
    this.connect();
  }

  /** Stops ffmpeg (SIGTERM, then SIGKILL after the grace period) and ends in STOPPED. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearTimeout(this.retryTimer);
      clearTimeout(this.watchdog);
      this.publisher.close();
      await this.run?.ffmpeg.stop(this.deps.settings.ffmpegKillGraceMs);
      this.setState(StreamState.STREAM_STATE_STOPPED);
    })();
    return this.stopping;
  }

  /** SIGKILL ffmpeg now (forced shutdown). */
  kill(): void {
    this.run?.ffmpeg.kill();
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  figures() {
    return { camera: this.cameraId, decodeFps: this.fpsIn.rate(), publishFps: this.fpsOut.rate(), held: this.publisher.depth };
  }

  status(): StreamStatus {
    return {
      spec: { ...this.stream.spec, url: redact(this.stream.spec.url) },
      state: this.state,
      fpsIn: this.fpsIn.rate(),
      fpsOut: this.fpsOut.rate(),
      framesRead: this.framesRead,
      framesPublished: this.framesPublished,
      framesDropped: [...this.drops.values()].reduce((a, b) => a + b, 0),
      restarts: this.restarts,
      lastError: this.lastError,
      lastFrameTsMs: this.lastFrameAt,
      sourceWidth: this.source?.width ?? 0,
      sourceHeight: this.source?.height ?? 0,
      stateSinceTsMs: this.stateSince,
      nextAttemptTsMs: this.state === StreamState.STREAM_STATE_BACKOFF ? this.nextAttemptAt : 0,
      streamEpoch: this.epoch,
      nextSequence: this.sequence,
      framesDroppedByReason: Object.fromEntries(this.drops),
      ffmpegPid: this.run && !this.run.ended ? (this.run.ffmpeg.pid ?? 0) : 0,
      width: this.outWidth,
      height: this.outHeight,
      bytesPublished: this.bytesPublished,
      framesGated: this.framesGated,
    };
  }

  private connect(): void {
    if (this.stopping) return;
    this.setState(StreamState.STREAM_STATE_CONNECTING);
    const { source } = this.stream;
    if (source.kind !== 'rtsp' && source.kind !== 'http') {
      this.spawn(undefined);
      return;
    }
    // Checked before every ffmpeg, not only at AddStream: a name may point elsewhere by now (DNS
    // rebinding). ffmpeg then gets the checked address where the protocol allows (ffmpeg-args.ts).
    checkHost(source.host, this.deps.settings.allowLocalNetwork).then(
      (checked) => this.spawn(checked.addresses[0]),
      (err: unknown) => {
        if (this.stopping) return;
        this.log.warn({ error: errorMessage(err) }, 'source host refused; ffmpeg not started');
        this.retry(errorMessage(err));
      },
    );
  }

  private spawn(address: string | undefined): void {
    if (this.stopping) return;
    const connectReason = `no frame within ${this.deps.settings.connectTimeoutMs} ms of starting ffmpeg`;
    const reader = new FrameReader({ onFrame: (raw) => this.frameRead(raw), onNoBuffer: () => this.dropped('no_buffer') });
    // A stream that keeps the source size learns it from each run's probe (a camera may change it).
    if (this.stream.width > 0) reader.setFrameBytes(this.stream.width * this.stream.height * 3);
    const ffmpeg = new FfmpegProcess({
      plan: ffmpegPlan(this.stream, this.deps.settings, address),
      sink: reader,
      log: this.log,
      // fluent-ffmpeg probes ffmpeg's capabilities before the first spawn; the connect deadline
      // counts from the spawn (and, as a guard, from here).
      onStart: () => this.armWatchdog(this.deps.settings.connectTimeoutMs, connectReason),
      onSourceInfo: (info) => this.sourceInfo(info),
      onExit: (exit) => this.exited(run, exit),
    });
    const run: Run = { ffmpeg, reader, frames: 0, runningSince: undefined, stalled: false, failure: undefined, ended: false };
    this.run = run;
    this.armWatchdog(this.deps.settings.connectTimeoutMs, connectReason);
    ffmpeg.start();
  }

  private sourceInfo(info: SourceInfo): void {
    const run = this.run;
    if (!run) return;
    this.source = info;
    this.statsSampler = undefined;
    this.detection.reset();
    if (this.stream.width === 0) {
      const bytes = info.width * info.height * 3;
      if (this.stream.pixelFormat !== PixelFormat.PIXEL_FORMAT_JPEG && bytes + FRAME_HEAD_RESERVE + FRAME_TAIL_RESERVE > this.deps.settings.maxPayloadBytes()) {
        run.failure = `a ${info.width}x${info.height} raw frame (${bytes} bytes) is larger than NATS max_payload (${this.deps.settings.maxPayloadBytes()}); set width and height or use JPEG`;
        run.ffmpeg.kill();
        return;
      }
      this.outWidth = info.width;
      this.outHeight = info.height;
      run.reader.setFrameBytes(bytes);
    }
    if (this.stream.letterbox) {
      const g = letterboxGeometry(info.width, info.height, this.outWidth, this.outHeight);
      this.letterbox = { scale: g.scale, padX: g.padX, padY: g.padY };
      this.statsRegion = { x: g.padX, y: g.padY, width: g.contentWidth, height: g.contentHeight };
    }
  }

  private frameRead(raw: RawFrame): void {
    const run = this.run;
    if (!run) return;
    run.frames++;
    this.framesRead++;
    this.lastFrameAt = raw.readAtMs;
    this.fpsIn.mark();
    this.deps.metrics.framesRead.inc({ camera: this.cameraId });
    if (run.runningSince === undefined) {
      run.runningSince = Date.now();
      this.setState(StreamState.STREAM_STATE_RUNNING);
    }
    const frameGapMs = this.stream.targetFps > 0 ? 3000 / this.stream.targetFps : 0;
    const stallMs = Math.max(this.deps.settings.stallTimeoutMs, frameGapMs);
    this.armWatchdog(stallMs, `stalled: no frame for ${stallMs} ms`);

    const sequence = this.sequence++;
    const width = this.outWidth;
    const height = this.outHeight;
    const sampler = this.statsSamplerFor(width, height);
    const frame: PendingFrame = {
      sequence,
      raw,
      width,
      height,
      release: () => run.reader.release(raw.buffer),
      header: (r) => {
        const stats = sampler.compute(r.buffer, FRAME_HEAD_RESERVE);
        // Decided at publish time, so frames shed before publishing never move the gate or the schedule.
        const decision = this.detection.decide(sampler.luma, r.readAtMs);
        if (decision === 'gated') this.gated();
        return {
          cameraId: this.cameraId,
          sequence,
          captureTsMs: r.readAtMs,
          sourceWidth: this.source?.width ?? width,
          sourceHeight: this.source?.height ?? height,
          width,
          height,
          pixelFormat: this.stream.pixelFormat,
          letterbox: this.letterbox,
          stats,
          streamEpoch: this.epoch,
          skipDetection: decision !== 'detect',
        };
      },
    };
    this.publisher.offer(frame);
  }

  private statsSamplerFor(width: number, height: number): FrameStatsSampler {
    this.statsSampler ??= new FrameStatsSampler(width, height, this.stream.pixelFormat === PixelFormat.PIXEL_FORMAT_BGR24, this.statsRegion);
    return this.statsSampler;
  }

  private published(bytes: number, frame: PendingFrame, publishTsMs: number): void {
    this.framesPublished++;
    this.bytesPublished += bytes;
    this.fpsOut.mark();
    const { metrics } = this.deps;
    metrics.framesPublished.inc({ camera: this.cameraId });
    metrics.publishedBytes.inc({ camera: this.cameraId }, bytes);
    metrics.publishDelay.observe((publishTsMs - frame.raw.readAtMs) / 1000);
  }

  private gated(): void {
    this.framesGated++;
    this.deps.metrics.framesGated.inc({ camera: this.cameraId });
  }

  private dropped(reason: DropReason): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    this.deps.metrics.dropped(this.cameraId, reason);
  }

  private armWatchdog(ms: number, reason: string): void {
    clearTimeout(this.watchdog);
    const run = this.run;
    this.watchdog = setTimeout(() => {
      if (!run || this.run !== run || this.stopping) return;
      run.stalled = true;
      run.failure = reason;
      this.log.warn({ reason }, 'source stalled; killing ffmpeg');
      run.ffmpeg.kill();
    }, ms);
    this.watchdog.unref();
  }

  private exited(run: Run, exit: FfmpegExit): void {
    run.ended = true;
    clearTimeout(this.watchdog);
    if (this.run !== run) return;
    if (this.stopping) return;
    const isFile = this.stream.source.kind === 'file';
    const reason = run.failure ?? this.explain(exit.reason);
    const log = { frames: run.frames, errors: exit.errors, clean: exit.clean };
    if (run.reader.partialBytes > 0) this.log.debug({ bytes: run.reader.partialBytes }, 'ffmpeg ended inside a frame; the torn frame is not published');

    const fileUnreadable = isFile && !run.stalled && !/killed with signal/.test(exit.reason) && (!exit.clean || exit.errors.length > 0 || run.frames === 0);
    if (fileUnreadable || (run.failure !== undefined && !run.stalled)) {
      // Retrying cannot fix a corrupt file or a frame too big for the bus: fail once, clearly.
      this.lastError = run.frames === 0 && exit.errors.length === 0 && !run.failure ? 'no video frames could be decoded' : reason;
      this.log.error({ ...log, error: this.lastError }, 'stream failed');
      this.setState(StreamState.STREAM_STATE_FAILED);
      return;
    }
    if (isFile && exit.clean && !this.stream.loop) {
      this.log.info(log, 'file source completed');
      this.setState(StreamState.STREAM_STATE_COMPLETED);
      return;
    }
    if (run.runningSince !== undefined && Date.now() - run.runningSince >= this.deps.settings.backoff.resetAfterMs) this.backoff.reset();
    this.retry(exit.clean && !run.stalled ? 'source ended' : reason, log);
  }

  private retry(error: string, log: object = {}): void {
    this.lastError = error;
    const delay = this.backoff.next();
    this.nextAttemptAt = Date.now() + delay;
    this.restarts++;
    this.deps.metrics.sourceRestarts.inc({ camera: this.cameraId });
    this.log.warn({ ...log, error, retryInMs: delay, attempt: this.backoff.attempts }, 'source lost; backing off');
    this.setState(StreamState.STREAM_STATE_BACKOFF);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** ffmpeg answers a redirect it may not follow with a bare I/O error; say what it may be. */
  private explain(reason: string): string {
    if (this.stream.source.kind !== 'http' || this.deps.settings.allowHttpRedirects || !/Input\/output error/.test(reason)) return reason;
    return `${reason} (an HTTP redirect? they are refused unless VA_INGEST_ALLOW_HTTP_REDIRECTS=true)`;
  }

  private setState(state: StreamState): void {
    if (state === this.state) return;
    this.state = state;
    this.stateSince = Date.now();
    this.deps.metrics.setState(this.cameraId, state);
  }
}
