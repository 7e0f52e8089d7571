// Watches the pipeline's output on the bus (core NATS subscriptions also see what is published
// to JetStream): per-camera detections, tracks, events and flags, and the exact latency of every
// message from its capture timestamp, which the services' histograms only give in buckets.
import { connect, type NatsConnection, type Subscription } from 'nats';
import { codecs, inboxPrefix, subjects } from '@va/common';
import { Severity } from '@va/proto/va/common/v1/flag';
import { TrackEventType, TrackState } from '@va/proto/va/common/v1/track';
import { natsClientAuth } from './nats-credentials.js';

export interface CameraActivity {
  /** DetectionBatches (frames through inference). */
  frames: number;
  detections: number;
  /** TrackUpdates (frames through tracking). */
  trackedFrames: number;
  /** Confirmed tracks in the latest TrackUpdate. */
  activeTracks: number;
  tracksStarted: number;
  /** New flags by severity (1 act now, 2 act today, 3 review weekly). */
  flags: [number, number, number];
  lastFlag?: { rule: string; subject: string; severity: number };
  /** A confirmed track of the latest update, preferring persons: something to search for. */
  exampleTrack?: { trackId: string; className: string };
}

/** Latencies in milliseconds since the last `takeWindow()`, and over the whole run. */
export class LatencyRecorder {
  private window: number[] = [];
  private all: number[] = [];

  record(ms: number): void {
    this.window.push(ms);
    if (this.all.length < 2_000_000) this.all.push(ms);
  }

  takeWindow(): number[] {
    const w = this.window;
    this.window = [];
    return w;
  }

  whole(): number[] {
    return this.all;
  }
}

export class BusTap {
  readonly cameras = new Map<string, CameraActivity>();
  readonly captureToDetections = new LatencyRecorder();
  readonly captureToTracks = new LatencyRecorder();
  private readonly subs: Subscription[] = [];
  private readonly seenFlags = new Set<string>();

  private constructor(private readonly nc: NatsConnection) {}

  /** With `credentialsDir` (the pipeline's natsCredentialsDir) it connects as the read-only `observer` user. */
  static async open(natsUrl: string, credentialsDir?: string): Promise<BusTap> {
    const auth = credentialsDir
      ? { ...natsClientAuth(credentialsDir, 'observer'), inboxPrefix: inboxPrefix('observer') }
      : {};
    const tap = new BusTap(await connect({ servers: natsUrl.split(','), name: 'pipeline-bus-tap', ...auth }));
    tap.listen();
    await tap.nc.flush();
    return tap;
  }

  private camera(id: string): CameraActivity {
    let c = this.cameras.get(id);
    if (!c) {
      c = { frames: 0, detections: 0, trackedFrames: 0, activeTracks: 0, tracksStarted: 0, flags: [0, 0, 0] };
      this.cameras.set(id, c);
    }
    return c;
  }

  private on<T>(subject: string, decode: (bytes: Uint8Array) => T, handle: (value: T) => void): void {
    this.subs.push(
      this.nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return;
          try {
            handle(decode(msg.data));
          } catch {
            // A malformed message is the services' concern (they count it); the tap just skips it.
          }
        },
      }),
    );
  }

  private listen(): void {
    this.on(
      subjects.detections('*'),
      (b) => codecs.detectionBatch.decode(b),
      (batch) => {
        const c = this.camera(batch.cameraId);
        c.frames++;
        c.detections += batch.detections.length;
        if (batch.captureTsMs > 0) this.captureToDetections.record(batch.detectedTsMs - batch.captureTsMs);
      },
    );
    this.on(
      subjects.tracks('*'),
      (b) => codecs.trackUpdate.decode(b),
      (update) => {
        const c = this.camera(update.cameraId);
        c.trackedFrames++;
        const confirmed = update.tracks.filter((t) => t.state === TrackState.TRACK_STATE_CONFIRMED);
        c.activeTracks = confirmed.length;
        const example = confirmed.find((t) => t.className === 'person') ?? confirmed[0];
        if (example) c.exampleTrack = { trackId: example.trackId, className: example.className };
        if (update.captureTsMs > 0) this.captureToTracks.record(update.trackedTsMs - update.captureTsMs);
      },
    );
    this.on(
      subjects.trackEvents('*'),
      (b) => codecs.trackEvent.decode(b),
      (event) => {
        if (event.type === TrackEventType.TRACK_EVENT_TYPE_STARTED) this.camera(event.cameraId).tracksStarted++;
      },
    );
    this.on(
      subjects.flags('*'),
      (b) => codecs.flag.decode(b),
      (flag) => {
        // Count updates of a folded flag re-publish the same id with a higher count.
        if (this.seenFlags.has(flag.flagId)) return;
        if (this.seenFlags.size > 100_000) this.seenFlags.clear();
        this.seenFlags.add(flag.flagId);
        const severity =
          flag.severity === Severity.SEVERITY_ACT_NOW ? 1 : flag.severity === Severity.SEVERITY_ACT_TODAY ? 2 : 3;
        const c = this.camera(flag.cameraId);
        c.flags[severity - 1] = (c.flags[severity - 1] ?? 0) + 1;
        c.lastFlag = { rule: flag.rule, subject: flag.subject, severity };
      },
    );
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    await this.nc.drain().catch(() => undefined);
  }
}
