import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_S } from '@va/common';
import { StreamState } from '@va/proto/va/ingest/v1/ingest';
import { DROP_REASONS, type DropReason } from './frame-publisher.js';

export const STATE_NAMES: Record<StreamState, string> = {
  [StreamState.STREAM_STATE_UNSPECIFIED]: 'unspecified',
  [StreamState.STREAM_STATE_CONNECTING]: 'connecting',
  [StreamState.STREAM_STATE_RUNNING]: 'running',
  [StreamState.STREAM_STATE_BACKOFF]: 'backoff',
  [StreamState.STREAM_STATE_FAILED]: 'failed',
  [StreamState.STREAM_STATE_COMPLETED]: 'completed',
  [StreamState.STREAM_STATE_STOPPED]: 'stopped',
  [StreamState.UNRECOGNIZED]: 'unrecognized',
};
const REPORTED_STATES = [1, 2, 3, 4, 5, 6] as StreamState[];

/** What the gauges read at scrape time. */
export interface LiveStreamFigures {
  camera: string;
  decodeFps: number;
  publishFps: number;
  held: number;
}

/** Ingest's Prometheus metrics, labelled by camera; a removed camera's series are deleted. */
export class IngestMetrics {
  readonly framesRead: Counter<'camera'>;
  readonly framesPublished: Counter<'camera'>;
  readonly framesDropped: Counter<'camera' | 'reason'>;
  readonly framesGated: Counter<'camera'>;
  readonly publishedBytes: Counter<'camera'>;
  readonly sourceRestarts: Counter<'camera'>;
  readonly state: Gauge<'camera' | 'state'>;
  readonly publishDelay: Histogram;
  private readonly decodeFps: Gauge<'camera'>;
  private readonly publishFps: Gauge<'camera'>;
  private live: () => LiveStreamFigures[] = () => [];
  private busPendingBytes: () => number = () => 0;

  constructor(registry: Registry, prefix: string) {
    const registers = [registry];
    const live = () => this.live();
    this.framesRead = new Counter({
      name: `${prefix}frames_read_total`,
      help: 'Frames read from ffmpeg (after sampling to the target fps).',
      labelNames: ['camera'],
      registers,
    });
    this.framesPublished = new Counter({
      name: `${prefix}frames_published_total`,
      help: 'Frames published on va.frames.<camera>.',
      labelNames: ['camera'],
      registers,
    });
    this.framesDropped = new Counter({
      name: `${prefix}frames_dropped_total`,
      help: 'Frames read but not published, by reason.',
      labelNames: ['camera', 'reason'],
      registers,
    });
    this.framesGated = new Counter({
      name: `${prefix}frames_gated_total`,
      help: 'Published frames the motion gate kept from the detector (no motion, no forced detection due); tracking predicts them.',
      labelNames: ['camera'],
      registers,
    });
    this.publishedBytes = new Counter({
      name: `${prefix}published_bytes_total`,
      help: 'Bytes of Frame messages published.',
      labelNames: ['camera'],
      registers,
    });
    this.sourceRestarts = new Counter({
      name: `${prefix}source_restarts_total`,
      help: 'Times a source was restarted after it died, stalled or failed to connect.',
      labelNames: ['camera'],
      registers,
    });
    this.state = new Gauge({
      name: `${prefix}stream_state`,
      help: '1 for the state each stream is in.',
      labelNames: ['camera', 'state'],
      registers,
    });
    this.publishDelay = new Histogram({
      name: `${prefix}frame_publish_delay_seconds`,
      help: 'From the last byte of a frame read from ffmpeg to its publish.',
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.decodeFps = new Gauge({
      name: `${prefix}decode_fps`,
      help: 'Frames per second read from ffmpeg over the last 5 s.',
      labelNames: ['camera'],
      registers,
      collect: () => live().forEach((s) => this.decodeFps.set({ camera: s.camera }, s.decodeFps)),
    });
    this.publishFps = new Gauge({
      name: `${prefix}publish_fps`,
      help: 'Frames per second published over the last 5 s.',
      labelNames: ['camera'],
      registers,
      collect: () => live().forEach((s) => this.publishFps.set({ camera: s.camera }, s.publishFps)),
    });
    const held: Gauge = new Gauge({
      name: `${prefix}held_frames`,
      help: 'Frames waiting in the one-frame publish mailboxes (bounded by the number of streams).',
      registers,
      collect: (): void => held.set(live().reduce((n, s) => n + s.held, 0)),
    });
    const pending: Gauge = new Gauge({
      name: `${prefix}bus_pending_bytes`,
      help: 'Bytes published to NATS and not yet confirmed by the server.',
      registers,
      collect: (): void => pending.set(this.busPendingBytes()),
    });
  }

  /** Where the scrape-time gauges read from (the stream manager and the bus gate, once they exist). */
  readFrom(live: () => LiveStreamFigures[], busPendingBytes: () => number): void {
    this.live = live;
    this.busPendingBytes = busPendingBytes;
  }

  setState(camera: string, state: StreamState): void {
    for (const s of REPORTED_STATES) this.state.set({ camera, state: STATE_NAMES[s] }, s === state ? 1 : 0);
  }

  dropped(camera: string, reason: DropReason): void {
    this.framesDropped.inc({ camera, reason });
  }

  /** Deletes every series of a removed camera. */
  forget(camera: string): void {
    for (const metric of [
      this.framesRead,
      this.framesPublished,
      this.framesGated,
      this.publishedBytes,
      this.sourceRestarts,
      this.decodeFps,
      this.publishFps,
    ])
      metric.remove({ camera });
    for (const reason of DROP_REASONS) this.framesDropped.remove({ camera, reason });
    for (const s of REPORTED_STATES) this.state.remove({ camera, state: STATE_NAMES[s] });
  }
}
