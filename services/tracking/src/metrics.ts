import { LATENCY_BUCKETS_S } from '@va/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Tracker time per frame: tens of microseconds to a few milliseconds. */
const ASSOCIATION_BUCKETS_S = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/** Every va_tracking_* metric. Camera-labelled gauges are removed when a camera leaves this instance. */
export class TrackingMetrics {
  readonly framesProcessed: Counter<'camera'>;
  readonly activeTracks: Gauge<'camera'>;
  readonly lostTracks: Gauge<'camera'>;
  readonly tracksStarted: Counter<'camera'>;
  readonly tracksEnded: Counter<'camera' | 'reason'>;
  readonly associationSeconds: Histogram;
  readonly captureToTracksSeconds: Histogram;
  readonly lateFrames: Counter<'camera'>;
  readonly reorderDrops: Counter<'camera' | 'reason'>;
  readonly skippedFrames: Counter<'camera'>;
  readonly shedFrames: Counter<'camera'>;
  readonly predictedFrames: Counter<'camera'>;
  readonly reorderDepth: Gauge<'camera'>;
  readonly rejectedBoxes: Counter<'camera' | 'reason'>;
  readonly droppedEmbeddings: Counter<'camera'>;
  readonly streamResets: Counter<'camera' | 'reason'>;
  readonly zoneEvents: Counter<'camera' | 'zone' | 'type'>;
  readonly lineCrossings: Counter<'camera' | 'line' | 'direction'>;
  readonly ownedCameras: Gauge;
  readonly camerasReleased: Counter<'reason'>;
  readonly members: Gauge;
  readonly membershipChanges: Counter;
  readonly membersExpired: Counter;
  readonly publishRetries: Counter;
  readonly watchStreams: Gauge;
  readonly watchDropped: Counter;

  constructor(registry: Registry, prefix: string) {
    const registers = [registry];
    this.framesProcessed = new Counter({
      name: `${prefix}frames_processed_total`,
      help: 'Frames run through the tracker.',
      labelNames: ['camera'],
      registers,
    });
    this.activeTracks = new Gauge({
      name: `${prefix}active_tracks`,
      help: 'Confirmed tracks matched or not yet missed, after the latest frame.',
      labelNames: ['camera'],
      registers,
    });
    this.lostTracks = new Gauge({
      name: `${prefix}lost_tracks`,
      help: 'Confirmed tracks currently lost (kept for re-identification).',
      labelNames: ['camera'],
      registers,
    });
    this.tracksStarted = new Counter({
      name: `${prefix}tracks_started_total`,
      help: 'Tracks confirmed.',
      labelNames: ['camera'],
      registers,
    });
    this.tracksEnded = new Counter({
      name: `${prefix}tracks_ended_total`,
      help: 'Confirmed tracks ended, by reason.',
      labelNames: ['camera', 'reason'],
      registers,
    });
    this.associationSeconds = new Histogram({
      name: `${prefix}association_seconds`,
      help: 'Tracker time per frame (prediction, association, bookkeeping).',
      buckets: ASSOCIATION_BUCKETS_S,
      registers,
    });
    this.captureToTracksSeconds = new Histogram({
      name: `${prefix}capture_to_tracks_seconds`,
      help: 'From frame capture to its TrackUpdate being published.',
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.lateFrames = new Counter({
      name: `${prefix}late_frames_total`,
      help: 'Frames that arrived after their sequence was processed or given up on; dropped.',
      labelNames: ['camera'],
      registers,
    });
    this.reorderDrops = new Counter({
      name: `${prefix}reorder_drops_total`,
      help: 'Frames the ordering stage refused, by reason (late, duplicate, stale_epoch).',
      labelNames: ['camera', 'reason'],
      registers,
    });
    this.skippedFrames = new Counter({
      name: `${prefix}skipped_frames_total`,
      help: 'Missing sequence numbers given up on (gap timeout or full window).',
      labelNames: ['camera'],
      registers,
    });
    this.shedFrames = new Counter({
      name: `${prefix}shed_frames_total`,
      help: 'Missing sequence numbers announced as shed upstream (DetectionBatch.shed_sequences) and passed over without waiting; gaps never announced are in skipped_frames_total.',
      labelNames: ['camera'],
      registers,
    });
    this.predictedFrames = new Counter({
      name: `${prefix}predicted_frames_total`,
      help: 'Frames the detection schedule left undetected, whose tracks were advanced by prediction alone (also in frames_processed_total).',
      labelNames: ['camera'],
      registers,
    });
    this.reorderDepth = new Gauge({
      name: `${prefix}reorder_depth_frames`,
      help: 'Frames waiting in the reorder window.',
      labelNames: ['camera'],
      registers,
    });
    this.rejectedBoxes = new Counter({
      name: `${prefix}rejected_boxes_total`,
      help: 'Detections refused as malformed or out of range, by reason.',
      labelNames: ['camera', 'reason'],
      registers,
    });
    this.droppedEmbeddings = new Counter({
      name: `${prefix}dropped_embeddings_total`,
      help: 'Embeddings ignored because they were not finite or empty (their boxes were kept).',
      labelNames: ['camera'],
      registers,
    });
    this.streamResets = new Counter({
      name: `${prefix}stream_resets_total`,
      help: 'Camera sessions restarted because the stream restarted.',
      labelNames: ['camera', 'reason'],
      registers,
    });
    this.zoneEvents = new Counter({
      name: `${prefix}zone_events_total`,
      help: 'Zone enter/exit events.',
      labelNames: ['camera', 'zone', 'type'],
      registers,
    });
    this.lineCrossings = new Counter({
      name: `${prefix}line_crossings_total`,
      help: 'Counting-line crossings, by direction.',
      labelNames: ['camera', 'line', 'direction'],
      registers,
    });
    this.ownedCameras = new Gauge({
      name: `${prefix}owned_cameras`,
      help: 'Cameras this instance is tracking.',
      registers,
    });
    this.camerasReleased = new Counter({
      name: `${prefix}cameras_released_total`,
      help: 'Cameras this instance stopped tracking, by reason (reassigned: the members changed; lease_lost; no_detections; shutdown).',
      labelNames: ['reason'],
      registers,
    });
    this.members = new Gauge({
      name: `${prefix}members`,
      help: 'Tracking instances the cameras are partitioned over, as this instance applies them.',
      registers,
    });
    this.membershipChanges = new Counter({
      name: `${prefix}membership_changes_total`,
      help: 'Changes of the tracking members applied (after the settle time).',
      registers,
    });
    this.membersExpired = new Counter({
      name: `${prefix}members_expired_total`,
      help: 'Members treated as gone because no heartbeat came for a TTL (crashed or cut off).',
      registers,
    });
    this.publishRetries = new Counter({
      name: `${prefix}publish_retries_total`,
      help: 'Failed publishes of tracking output that were retried.',
      registers,
    });
    this.watchStreams = new Gauge({ name: `${prefix}watch_streams`, help: 'Open WatchTracks streams.', registers });
    this.watchDropped = new Counter({
      name: `${prefix}watch_dropped_total`,
      help: 'TrackUpdates dropped for WatchTracks clients too slow to keep up.',
      registers,
    });
  }

  /** Clears the gauges of a camera that left this instance. */
  forgetCamera(camera: string): void {
    for (const g of [this.activeTracks, this.lostTracks, this.reorderDepth]) g.remove({ camera });
  }
}
