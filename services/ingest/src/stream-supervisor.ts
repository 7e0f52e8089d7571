import { randomBytes } from 'node:crypto';
import { errorMessage, subjects, type Logger } from '@va/common';
import { StreamState, type StreamStatus } from '@va/proto/va/ingest/v1/ingest';
import { Backoff, type BackoffOptions } from './backoff.js';
import type { BusGate } from './bus-gate.js';
import { ffmpegPlan } from './ffmpeg-args.js';
import type { FfmpegExit, SourceInfo } from './ffmpeg-process.js';
import { FfmpegRun } from './ffmpeg-run.js';
import { FramePublisher } from './frame-publisher.js';
import type { RawFrame } from './frame-reader.js';
import { FrameStamper } from './frame-stamper.js';
import type { IngestMetrics } from './ingest-metrics.js';
import type { PublishedFrameRing } from './published-frame-ring.js';
import { checkHost } from './source-host.js';
import { redact } from './source-url.js';
import { StreamCounters } from './stream-counters.js';
import { judgeExit } from './stream-exit.js';
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
  /** Keeps published frames for evidence requests (evidence-frame-server.ts); none in some tests. */
  ring?: PublishedFrameRing;
  metrics: IngestMetrics;
  log: Logger;
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
  private restarts = 0;
  private readonly counters: StreamCounters;
  private readonly stamper: FrameStamper;
  private readonly backoff: Backoff;
  private readonly publisher: FramePublisher;
  private readonly log: Logger;
  private run: FfmpegRun | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly stream: ValidStream,
    private readonly deps: SupervisorDeps,
  ) {
    this.cameraId = stream.spec.cameraId;
    this.log = deps.log.child({ component: 'stream', cameraId: this.cameraId });
    this.backoff = new Backoff(deps.settings.backoff);
    this.counters = new StreamCounters(this.cameraId, deps.metrics);
    this.stamper = new FrameStamper(stream, this.epoch, () => this.counters.gated());
    this.publisher = new FramePublisher({
      subject: subjects.frames(this.cameraId),
      gate: deps.gate,
      pixelFormat: stream.pixelFormat,
      jpegQuality: stream.jpegQuality,
      maxFrameAgeMs: deps.settings.maxFrameAgeMs,
      onPublished: (bytes, frame, publishTsMs) => this.counters.published(bytes, frame.raw.readAtMs, publishTsMs),
      keep: (h, message, release) =>
        deps.ring ? deps.ring.keep(h.cameraId, h.streamEpoch, h.sequence, message, release) : release(),
      onDropped: (reason) => this.counters.dropped(reason),
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
      this.publisher.close();
      await this.run?.stop(this.deps.settings.ffmpegKillGraceMs);
      this.setState(StreamState.STREAM_STATE_STOPPED);
    })();
    return this.stopping;
  }

  /** SIGKILL ffmpeg now (forced shutdown). */
  kill(): void {
    this.run?.kill();
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  figures() {
    return { camera: this.cameraId, ...this.counters.rates(), held: this.publisher.depth };
  }

  status(): StreamStatus {
    const size = this.stamper.size;
    return {
      ...this.counters.status(),
      spec: { ...this.stream.spec, url: redact(this.stream.spec.url) },
      state: this.state,
      restarts: this.restarts,
      lastError: this.lastError,
      sourceWidth: size.sourceWidth,
      sourceHeight: size.sourceHeight,
      stateSinceTsMs: this.stateSince,
      nextAttemptTsMs: this.state === StreamState.STREAM_STATE_BACKOFF ? this.nextAttemptAt : 0,
      streamEpoch: this.epoch,
      nextSequence: this.stamper.nextSequence,
      ffmpegPid: this.run?.pid ?? 0,
      width: size.width,
      height: size.height,
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
    const ring = this.deps.ring;
    const run: FfmpegRun = new FfmpegRun({
      plan: ffmpegPlan(this.stream, this.deps.settings, address),
      log: this.log,
      connectTimeoutMs: this.deps.settings.connectTimeoutMs,
      // A stream that keeps the source size learns it from each run's probe (a camera may change it).
      frameBytes: this.stream.width > 0 ? this.stream.width * this.stream.height * 3 : undefined,
      onFrame: (raw) => this.frameRead(run, raw),
      onNoBuffer: () => this.counters.dropped('no_buffer'),
      onSourceInfo: (info) => this.sourceInfo(run, info),
      onExit: (exit) => this.exited(run, exit),
      lendableFor: ring ? (bytes) => ring.framesPerCamera(bytes) : undefined,
    });
    this.run = run;
    run.start();
  }

  private sourceInfo(run: FfmpegRun, info: SourceInfo): void {
    if (this.run !== run) return;
    const probed = this.stamper.sourceInfo(info, this.deps.settings.maxPayloadBytes());
    if ('failure' in probed) run.fail(probed.failure);
    else if (probed.frameBytes !== undefined) run.setFrameBytes(probed.frameBytes);
  }

  private frameRead(run: FfmpegRun, raw: RawFrame): void {
    if (this.run !== run) return;
    this.counters.read(raw.readAtMs);
    const frameGapMs = this.stream.targetFps > 0 ? 3000 / this.stream.targetFps : 0;
    if (run.frameArrived(Math.max(this.deps.settings.stallTimeoutMs, frameGapMs)))
      this.setState(StreamState.STREAM_STATE_RUNNING);
    this.publisher.offer(this.stamper.stamp(raw, () => run.release(raw.buffer)));
  }

  private exited(run: FfmpegRun, exit: FfmpegExit): void {
    if (this.run !== run) return;
    if (this.stopping) return;
    const { facts } = run;
    const log = { frames: facts.frames, errors: exit.errors, clean: exit.clean };
    if (run.partialBytes > 0)
      this.log.debug({ bytes: run.partialBytes }, 'ffmpeg ended inside a frame; the torn frame is not published');
    const verdict = judgeExit(
      { kind: this.stream.source.kind, loop: this.stream.loop },
      facts,
      exit,
      this.explain(exit.reason),
    );
    if (verdict.next === 'failed') {
      this.lastError = verdict.error;
      this.log.error({ ...log, error: this.lastError }, 'stream failed');
      this.setState(StreamState.STREAM_STATE_FAILED);
      return;
    }
    if (verdict.next === 'completed') {
      this.log.info(log, 'file source completed');
      this.setState(StreamState.STREAM_STATE_COMPLETED);
      return;
    }
    if (run.runningSince !== undefined && Date.now() - run.runningSince >= this.deps.settings.backoff.resetAfterMs)
      this.backoff.reset();
    this.retry(verdict.error, log);
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
    if (
      this.stream.source.kind !== 'http' ||
      this.deps.settings.allowHttpRedirects ||
      !/Input\/output error/.test(reason)
    )
      return reason;
    return `${reason} (an HTTP redirect? they are refused unless VA_INGEST_ALLOW_HTTP_REDIRECTS=true)`;
  }

  private setState(state: StreamState): void {
    if (state === this.state) return;
    this.state = state;
    this.stateSince = Date.now();
    this.deps.metrics.setState(this.cameraId, state);
  }
}
