import { performance } from 'node:perf_hooks';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { TrackEvent, TrackUpdate } from '@va/proto/va/common/v1/track';
import { ReorderBuffer, type ReorderOptions, type Released } from './reorder-buffer.js';
import { sessionTag } from './track-ids.js';
import { handoverEndedEvents, SessionMessages } from './track-messages.js';
import type { RejectReason } from './tracker/box-validation.js';
import { ByteTracker } from './tracker/byte-tracker.js';
import type { TrackerParams } from './tracker/tracker-params.js';
import { ZoneMonitor, type ZoneConfig } from './zones/zone-monitor.js';

export interface CameraStateOptions {
  camera: string;
  tracker: TrackerParams;
  reorder: ReorderOptions;
}

/** What one processed frame (or the end of a session) gives to publish. */
export interface FrameOutput<T> {
  sequence: number;
  epoch: string;
  /** Absent for the end of a session, which only has events. */
  update: TrackUpdate | undefined;
  events: TrackEvent[];
  /** Messages to acknowledge once this output is published. */
  tokens: T[];
  captureTsMs: number;
  trackerMs: number;
  rejected: Partial<Record<RejectReason, number>>;
  droppedEmbeddings: number;
  started: number;
  ended: number;
}

export type DropReason = 'late' | 'duplicate' | 'stale_epoch';
export type ResetReason = 'stream_epoch' | 'sequence_restart';

export interface StepResult<T> {
  outputs: Array<FrameOutput<T>>;
  /** Messages refused without output; acknowledge them at once. */
  dropped: Array<{ token: T; reason: DropReason }>;
  /** Missing sequence numbers given up on. */
  skipped: number;
  /** Sequence numbers announced as shed upstream and passed over without waiting. */
  shed: number;
  resets: ResetReason[];
}

interface Held<T> {
  batch: DetectionBatch;
  token: T;
}

/** Stream epochs remembered as finished, so their stragglers are refused. */
const RETIRED_EPOCHS = 16;

/**
 * One camera's tracking: sequence ordering, the tracker, zones and lines, and the messages each
 * frame yields, with deterministic ids. No I/O: the worker feeds it messages and publishes what
 * comes out; `T` is whatever the worker needs to acknowledge a message.
 *
 * A session is one uninterrupted run of the tracker. It ends when the stream's epoch changes (or
 * its sequence numbers restart with newer capture times), and when the camera is handed over;
 * its confirmed tracks then get ENDED events and the next session's track ids differ.
 */
export class CameraState<T> {
  private reorder: ReorderBuffer<Held<T>>;
  /** The running tracker session: the tracker and the messages named after the session. */
  private session: { tracker: ByteTracker; messages: SessionMessages } | undefined;
  private epoch: string | undefined;
  private readonly retired: string[] = [];
  private readonly zones = new ZoneMonitor();
  private last: { sequence: number; captureTsMs: number; frameWidth: number; frameHeight: number } | undefined;
  latest: TrackUpdate | undefined;
  /** Tracks of the previous owner's last published frame, ended when this state starts. */
  private orphans: TrackUpdate | undefined;
  readonly counters = { frames: 0, late: 0, duplicates: 0, skipped: 0, shed: 0 };

  constructor(private readonly options: CameraStateOptions) {
    this.reorder = new ReorderBuffer(options.reorder);
  }

  get camera(): string {
    return this.options.camera;
  }

  get streamEpoch(): string | undefined {
    return this.epoch;
  }

  get lastSequence(): number | undefined {
    return this.last?.sequence;
  }

  get bufferDepth(): number {
    return this.reorder.depth;
  }

  get trackCounts(): { active: number; lost: number } {
    let active = 0;
    let lost = 0;
    for (const t of this.session?.tracker.tracks ?? []) {
      if (!t.everConfirmed) continue;
      if (t.status === 'confirmed') active++;
      else if (t.status === 'lost') lost++;
    }
    return { active, lost };
  }

  get zoneConfig(): ZoneConfig {
    return this.zones.current;
  }

  /**
   * The camera's last TrackUpdate in VA_TRACKS, written by whoever tracked it before (another
   * instance, or this one before a crash). Its tracks cannot be continued; they get ENDED events
   * (reason "handover") with the first frame processed here. After a graceful hand-over the
   * previous owner already published the very same events (same event_id and msgID), so they
   * are stored once; after a crash they close tracks that would otherwise never end.
   */
  adoptPrevious(update: TrackUpdate): void {
    if (update.cameraId === this.camera && update.tracks.length > 0) this.orphans = update;
  }

  setZones(config: ZoneConfig): void {
    this.zones.setConfig(config);
  }

  offer(batch: DetectionBatch, token: T, nowMs: number): StepResult<T> {
    const result: StepResult<T> = { outputs: [], dropped: [], skipped: 0, shed: 0, resets: [] };
    const epoch = batch.streamEpoch;
    if (this.epoch === undefined) this.epoch = epoch;
    if (epoch !== this.epoch) {
      if (this.retired.includes(epoch)) {
        result.dropped.push({ token, reason: 'stale_epoch' });
        return result;
      }
      this.restart(result, 'stream_epoch', epoch);
    } else if (this.isSequenceRestart(batch)) {
      this.restart(result, 'sequence_restart', epoch);
    }
    this.reorder.announceShed(batch.shedSequences);
    const offered = this.reorder.offer(batch.sequence, { batch, token }, nowMs);
    if (offered.verdict === 'late' || offered.verdict === 'duplicate') {
      if (offered.verdict === 'late') this.counters.late++;
      else this.counters.duplicates++;
      result.dropped.push({ token, reason: offered.verdict });
    }
    this.take(result, offered.released, offered.skipped, offered.shed);
    return result;
  }

  /** Gives up on missing frames whose wait is over. */
  expire(nowMs: number): StepResult<T> {
    const result: StepResult<T> = { outputs: [], dropped: [], skipped: 0, shed: 0, resets: [] };
    const expired = this.reorder.expire(nowMs);
    this.take(result, expired.released, expired.skipped, expired.shed);
    return result;
  }

  nextDeadline(): number | undefined {
    return this.reorder.nextDeadline();
  }

  /**
   * The camera leaves this instance: its confirmed tracks end ("handover"). Frames still waiting
   * in the reorder window are returned unprocessed (not acknowledged, so they are redelivered to
   * the next owner).
   */
  handOver(): { output: FrameOutput<T> | undefined; unprocessed: T[] } {
    const unprocessed = this.reorder.clear().map((h) => h.token);
    const output = this.endSession('handover');
    return { output, unprocessed };
  }

  /**
   * The camera has sent nothing for a while (dead camera, stopped stream): its tracks end
   * ("idle") instead of staying lost until a frame comes. The next frame starts a new session.
   */
  endIdle(): FrameOutput<T> | undefined {
    if (this.reorder.depth > 0) return undefined;
    return this.endSession('idle');
  }

  private isSequenceRestart(batch: DetectionBatch): boolean {
    const expected = this.reorder.expected;
    return (
      expected !== undefined &&
      this.last !== undefined &&
      batch.sequence < expected &&
      batch.captureTsMs > this.last.captureTsMs
    );
  }

  private restart(result: StepResult<T>, reason: ResetReason, newEpoch: string): void {
    const flushed = this.reorder.flush();
    this.take(result, flushed.released, flushed.skipped, flushed.shed);
    const end = this.endSession('stream_restart');
    if (end) result.outputs.push(end);
    if (newEpoch !== this.epoch && this.epoch !== undefined) {
      this.retired.push(this.epoch);
      if (this.retired.length > RETIRED_EPOCHS) this.retired.shift();
    }
    this.epoch = newEpoch;
    this.reorder = new ReorderBuffer(this.options.reorder);
    result.resets.push(reason);
  }

  private endSession(reason: string): FrameOutput<T> | undefined {
    const session = this.session;
    const last = this.last;
    this.session = undefined;
    this.last = undefined;
    if (!session || !last) {
      this.zones.reset();
      return undefined;
    }
    const ended = session.tracker.endAll();
    const events: TrackEvent[] = [];
    for (const t of ended)
      events.push(...session.messages.endEvents(t, last.sequence, last.captureTsMs, reason, this.zones));
    this.zones.reset();
    return {
      sequence: last.sequence,
      epoch: this.epoch ?? '',
      update: undefined,
      events,
      tokens: [],
      captureTsMs: last.captureTsMs,
      trackerMs: 0,
      rejected: {},
      droppedEmbeddings: 0,
      started: 0,
      ended: ended.length,
    };
  }

  private take(result: StepResult<T>, released: Array<Released<Held<T>>>, skipped: number, shed: number): void {
    result.skipped += skipped;
    this.counters.skipped += skipped;
    result.shed += shed;
    this.counters.shed += shed;
    for (const r of released) result.outputs.push(this.process(r));
  }

  private process(r: Released<Held<T>>): FrameOutput<T> {
    const { batch, token } = r.item;
    this.session ??= {
      tracker: new ByteTracker(this.options.tracker),
      messages: new SessionMessages(this.camera, sessionTag(this.epoch ?? '', batch.sequence, batch.captureTsMs)),
    };
    const { tracker, messages } = this.session;
    const framesElapsed = this.last ? r.framesElapsed : 1;
    const t0 = performance.now();
    const step = batch.skipped
      ? tracker.predict(framesElapsed)
      : tracker.update({
          detections: batch.detections,
          frameWidth: batch.frameWidth,
          frameHeight: batch.frameHeight,
          timestampMs: batch.captureTsMs,
          framesElapsed,
        });
    const trackerMs = performance.now() - t0;
    this.last = {
      sequence: batch.sequence,
      captureTsMs: batch.captureTsMs,
      frameWidth: batch.frameWidth,
      frameHeight: batch.frameHeight,
    };
    this.counters.frames++;
    const events = [
      ...this.orphanEvents(),
      ...messages.frameEvents(step, batch.sequence, batch.captureTsMs, this.zones),
    ];
    const update = messages.update(batch, step);
    this.latest = update;
    return {
      sequence: batch.sequence,
      epoch: batch.streamEpoch,
      update,
      events,
      tokens: [token],
      captureTsMs: batch.captureTsMs,
      trackerMs,
      rejected: step.rejected,
      droppedEmbeddings: step.droppedEmbeddings,
      started: step.started.length,
      ended: step.ended.length,
    };
  }

  private orphanEvents(): TrackEvent[] {
    const previous = this.orphans;
    this.orphans = undefined;
    return previous ? handoverEndedEvents(this.camera, previous) : [];
  }
}
