import { DeliverPolicy, type JsMsg } from 'nats';
import {
  codecs,
  DurableConsumer,
  errorMessage,
  STREAMS,
  subjects,
  type ConsumerMetrics,
  type Logger,
  type NatsConnectionHandle,
} from '@va/common';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { CameraState, type FrameOutput, type StepResult } from './camera-state.js';
import type { TrackingServiceConfig } from './config.js';
import type { TrackingMetrics } from './metrics.js';
import type { TrackPublisher } from './publisher.js';
import { lastStoredTrackUpdate } from './stored-tracks.js';
import type { ZoneConfig } from './zones/zone-monitor.js';

export interface CameraWorkerDeps {
  nats: NatsConnectionHandle;
  config: TrackingServiceConfig;
  publisher: TrackPublisher;
  metrics: TrackingMetrics;
  consumerMetrics: ConsumerMetrics;
  log: Logger;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
const FINAL_ATTEMPTS = 3;

/**
 * Tracks one camera on this instance: a JetStream durable consumer of va.detections.<camera>
 * (one per camera, named <prefix>-<camera>, so the camera resumes from its last acknowledged
 * frame on whichever instance owns it next) feeding a CameraState. All work on the camera runs
 * in one queue, so frames are processed strictly in order; a message is acknowledged only after
 * everything its frame produced is stored in JetStream. Publishing retries with backoff for as
 * long as it takes: the camera waits rather than skip output.
 */
export class CameraWorker {
  private readonly state: CameraState<JsMsg>;
  private readonly consumer: DurableConsumer<DetectionBatch>;
  private readonly log: Logger;
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly abort = new AbortController();
  private zonesRevision = 0;

  constructor(
    readonly camera: string,
    private readonly deps: CameraWorkerDeps,
  ) {
    const { config } = deps;
    this.log = deps.log.child({ component: 'camera', cameraId: camera });
    this.state = new CameraState({ camera, tracker: config.tracker, reorder: config.reorder });
    this.consumer = new DurableConsumer(deps.nats, {
      stream: STREAMS.detections.name,
      durable: `${config.durablePrefix}-${camera}`,
      filterSubject: subjects.detections(camera),
      codec: codecs.detectionBatch,
      metrics: deps.consumerMetrics,
      log: this.log,
      ack: 'manual',
      ackWaitMs: config.ackWaitMs,
      // Everything the reorder window may hold, plus a pull batch in flight.
      maxAckPending: config.reorder.window * 2 + 32,
      batch: Math.min(64, config.reorder.window + 16),
      deliverPolicy: config.startAt === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      // The camera's lease makes this the only consumer. Frames the previous owner was delivered
      // but never acknowledged (it crashed, or they were in flight when it stopped) must come
      // back now and before newer ones, not after ack_wait when their turn has passed.
      takeOver: true,
      deadLetterKind: 'tracking-detections',
      handle: (batch, msg) => this.enqueue(() => this.onMessage(batch, msg)),
    });
  }

  get status() {
    const counts = this.state.trackCounts;
    return {
      cameraId: this.camera,
      streamEpoch: this.state.streamEpoch ?? '',
      lastSequence: this.state.lastSequence ?? 0,
      activeTracks: counts.active,
      lostTracks: counts.lost,
      reorderDepth: this.state.bufferDepth,
      framesProcessed: this.state.counters.frames,
      lateFrames: this.state.counters.late,
      skippedFrames: this.state.counters.skipped,
      zonesRevision: this.zonesRevision,
    };
  }

  get latest() {
    return this.state.latest;
  }

  async start(): Promise<void> {
    const previous = await lastStoredTrackUpdate(this.deps.nats, this.camera);
    if (previous) this.state.adoptPrevious(previous);
    await this.consumer.start();
  }

  setZones(config: ZoneConfig, revision: number): void {
    void this.enqueue(async () => {
      this.state.setZones(config);
      this.zonesRevision = revision;
    });
  }

  /**
   * Stops consuming, lets the frame in hand finish, ends the camera's tracks (reason handover)
   * and gives back frames still waiting for reordering so they are redelivered promptly.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.timer);
    clearTimeout(this.idleTimer);
    await this.consumer.stop();
    await this.enqueue(async () => {
      const { output, unprocessed } = this.state.handOver();
      for (const msg of unprocessed) msg.nak();
      if (output) await this.publish(output, true);
    });
    this.abort.abort();
    this.deps.metrics.forgetCamera(this.camera);
    this.deps.consumerMetrics.lag.remove({ consumer: `${this.deps.config.durablePrefix}-${this.camera}` });
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work).catch((err: unknown) => this.log.error({ err }, 'camera work failed'));
    this.queue = next;
    return next;
  }

  private async onMessage(batch: DetectionBatch, msg: JsMsg): Promise<void> {
    if (batch.cameraId !== this.camera) {
      this.deps.consumerMetrics.malformed.inc({ source: subjects.detections(this.camera) });
      this.log.warn(
        { subject: msg.subject, cameraId: batch.cameraId.slice(0, 80) },
        'detection batch names another camera than its subject; dropped',
      );
      msg.term();
      return;
    }
    await this.apply(this.state.offer(batch, msg, Date.now()));
  }

  private async onDeadline(): Promise<void> {
    if (this.stopping) return;
    await this.apply(this.state.expire(Date.now()));
  }

  private async apply(result: StepResult<JsMsg>): Promise<void> {
    const m = this.deps.metrics;
    const camera = this.camera;
    for (const d of result.dropped) {
      m.reorderDrops.inc({ camera, reason: d.reason });
      if (d.reason === 'late') m.lateFrames.inc({ camera });
      d.token.ack();
    }
    if (result.skipped > 0) m.skippedFrames.inc({ camera }, result.skipped);
    if (result.shed > 0) m.shedFrames.inc({ camera }, result.shed);
    for (const reason of result.resets) {
      m.streamResets.inc({ camera, reason });
      this.log.info({ reason, epoch: this.state.streamEpoch }, 'stream restarted; camera state reset');
    }
    for (const output of result.outputs) {
      const published = await this.publish(output, false);
      if (!published) return; // stopping: unacknowledged frames are redelivered to the next owner
      for (const msg of output.tokens) msg.ack();
    }
    const counts = this.state.trackCounts;
    m.activeTracks.set({ camera }, counts.active);
    m.lostTracks.set({ camera }, counts.lost);
    m.reorderDepth.set({ camera }, this.state.bufferDepth);
    this.schedule();
    if (result.outputs.length > 0) this.armIdle();
  }

  /** Restarts the countdown after which a silent camera's tracks end. */
  private armIdle(): void {
    const ms = this.deps.config.idleEndMs;
    if (ms <= 0 || this.stopping) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(
      () =>
        void this.enqueue(async () => {
          if (this.stopping) return;
          const output = this.state.endIdle();
          if (!output) return;
          this.log.info({ ended: output.ended }, 'camera idle; its tracks ended');
          await this.publish(output, false);
          this.deps.metrics.activeTracks.set({ camera: this.camera }, 0);
          this.deps.metrics.lostTracks.set({ camera: this.camera }, 0);
        }),
      ms,
    );
    this.idleTimer.unref();
  }

  /**
   * Publishes with retries; false when the worker is stopping and it failed. The final output of
   * a hand-over gets a few attempts only: shutdown has a deadline.
   */
  private async publish(output: FrameOutput<JsMsg>, final: boolean): Promise<boolean> {
    let delay = RETRY_MIN_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.publisher.publish(this.camera, output, Date.now());
        break;
      } catch (err) {
        if (this.abort.signal.aborted || (this.stopping && !final) || (final && attempt >= FINAL_ATTEMPTS)) {
          this.log.warn(
            { error: errorMessage(err), sequence: output.sequence },
            'publishing tracks failed while stopping; the frame will be redelivered',
          );
          return false;
        }
        this.deps.metrics.publishRetries.inc();
        this.log.warn(
          { error: errorMessage(err), sequence: output.sequence, retryInMs: delay },
          'publishing tracks failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(RETRY_MAX_MS, delay * 2);
      }
    }
    this.record(output);
    return true;
  }

  private record(output: FrameOutput<JsMsg>): void {
    const m = this.deps.metrics;
    const camera = this.camera;
    if (output.update) {
      m.framesProcessed.inc({ camera });
      if (output.update.predicted) m.predictedFrames.inc({ camera });
      m.associationSeconds.observe(output.trackerMs / 1000);
      if (output.captureTsMs > 0) m.captureToTracksSeconds.observe(Math.max(0, Date.now() - output.captureTsMs) / 1000);
    }
    for (const [reason, n] of Object.entries(output.rejected)) m.rejectedBoxes.inc({ camera, reason }, n);
    if (output.droppedEmbeddings > 0) m.droppedEmbeddings.inc({ camera }, output.droppedEmbeddings);
    if (output.started > 0) m.tracksStarted.inc({ camera }, output.started);
    for (const e of output.events) {
      switch (e.type) {
        case TrackEventType.TRACK_EVENT_TYPE_ENDED:
          m.tracksEnded.inc({ camera, reason: e.reason || 'expired' });
          break;
        case TrackEventType.TRACK_EVENT_TYPE_ZONE_ENTER:
        case TrackEventType.TRACK_EVENT_TYPE_ZONE_EXIT:
          m.zoneEvents.inc({
            camera,
            zone: e.zoneId,
            type: e.type === TrackEventType.TRACK_EVENT_TYPE_ZONE_ENTER ? 'enter' : 'exit',
          });
          break;
        case TrackEventType.TRACK_EVENT_TYPE_LINE_CROSS:
          m.lineCrossings.inc({ camera, line: e.lineId, direction: e.direction });
          break;
        default:
          break;
      }
    }
  }

  /** Arms the gap timer for the oldest frame waiting in the reorder window. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = this.state.nextDeadline();
    if (deadline === undefined || this.stopping) return;
    this.timer = setTimeout(() => void this.enqueue(() => this.onDeadline()), Math.max(0, deadline - Date.now()));
    this.timer.unref();
  }
}
