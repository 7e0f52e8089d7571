import sharp from 'sharp';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import type { BusGate } from './bus-gate.js';
import { encodeFrame, encodeFrameAround, type FrameHeader } from './frame-encoder.js';
import { FRAME_HEAD_RESERVE } from './frame-pool.js';
import type { RawFrame } from './frame-reader.js';

/** Why a frame never reached the bus (the `reason` label of va_ingest_frames_dropped_total). */
export const DROP_REASONS = [
  'bus_backpressure', // replaced by a newer frame while the bus window was full
  'encoder_busy', // replaced by a newer frame while the previous one was being JPEG-encoded
  'disconnected', // NATS was not connected
  'stale', // held longer than VA_INGEST_MAX_FRAME_AGE_MS
  'publish_error', // the client refused it (e.g. larger than the server's max_payload)
  'encode_error', // JPEG encoding failed
  'no_buffer', // every pooled frame buffer of the stream was busy
  'stopped', // the stream was stopped while the frame was held
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** A frame read from ffmpeg, waiting to be published. */
export interface PendingFrame {
  /** The frame's place in its stream (the header's sequence). */
  sequence: number;
  raw: RawFrame;
  width: number;
  height: number;
  /** Builds the header at publish time (stats are computed only for frames that are sent). */
  header(raw: RawFrame): Omit<FrameHeader, 'publishTsMs' | 'previousSequence'>;
  /** Gives the pixel buffer back to its pool. */
  release(): void;
}

export interface FramePublisherOptions {
  subject: string;
  gate: BusGate;
  pixelFormat: PixelFormat;
  jpegQuality: number;
  maxFrameAgeMs: number;
  onPublished(bytes: number, frame: PendingFrame, publishTsMs: number): void;
  /** Takes a published message (and, for raw frames, its pooled buffer until `release`): the evidence ring. */
  keep?(header: FrameHeader, message: Uint8Array, release: () => void): void;
  onDropped(reason: DropReason): void;
  onError(reason: DropReason, err: unknown): void;
}

/**
 * Per-stream publishing with a one-frame mailbox: the camera side offers frames and never waits.
 * While the bus is closed (too many unconfirmed bytes) or a JPEG encode is in flight, the newest
 * frame waits in the mailbox and the one it replaces is dropped and counted. Nothing else queues.
 */
export class FramePublisher {
  private slot: PendingFrame | undefined;
  private encoding = false;
  private waitingForBus = false;
  private closed = false;
  /** Named by the next frame (Frame.previous_sequence): the sequences in between were shed here, and downstream need not wait for them. */
  private lastPublished: number | undefined;

  constructor(private readonly options: FramePublisherOptions) {}

  /** 0 or 1: frames held in the mailbox (the queue-depth gauge). */
  get depth(): number {
    return this.slot === undefined ? 0 : 1;
  }

  offer(frame: PendingFrame): void {
    if (this.closed) {
      this.drop(frame, 'stopped');
      return;
    }
    const previous = this.slot;
    this.slot = frame;
    if (previous !== undefined) this.drop(previous, this.encoding ? 'encoder_busy' : 'bus_backpressure');
    this.pump();
  }

  /** Drops what is held; later offers are dropped too. */
  close(): void {
    this.closed = true;
    const held = this.slot;
    this.slot = undefined;
    if (held !== undefined) this.drop(held, 'stopped');
  }

  private pump(): void {
    const frame = this.slot;
    if (frame === undefined || this.encoding || this.waitingForBus) return;
    const { gate } = this.options;
    if (!gate.connected) {
      this.slot = undefined;
      this.drop(frame, 'disconnected');
      return;
    }
    if (!gate.open) {
      this.waitingForBus = true;
      gate.whenOpen(() => {
        this.waitingForBus = false;
        this.pump();
      });
      return;
    }
    this.slot = undefined;
    if (Date.now() - frame.raw.readAtMs > this.options.maxFrameAgeMs) {
      this.drop(frame, 'stale');
      return;
    }
    if (this.options.pixelFormat === PixelFormat.PIXEL_FORMAT_JPEG) this.publishJpeg(frame);
    else this.publishRaw(frame);
  }

  private publishRaw(frame: PendingFrame): void {
    const publishTsMs = Date.now();
    const header = { ...frame.header(frame.raw), publishTsMs, previousSequence: this.lastPublished };
    const message = encodeFrameAround(frame.raw.buffer, FRAME_HEAD_RESERVE, frame.raw.bytes, header);
    const sent = this.send(message, frame, publishTsMs);
    // The nats client copies large payloads at once and small ones in a microtask queued
    // before this one; only then may the buffer take new pixels. A kept frame's buffer is
    // released by the ring when the frame leaves it.
    const { keep } = this.options;
    queueMicrotask(() => (sent && keep ? keep(header, message, () => frame.release()) : frame.release()));
  }

  private publishJpeg(frame: PendingFrame): void {
    this.encoding = true;
    const pixels = frame.raw.buffer.subarray(FRAME_HEAD_RESERVE, FRAME_HEAD_RESERVE + frame.raw.bytes);
    const header = frame.header(frame.raw);
    sharp(pixels, { raw: { width: frame.width, height: frame.height, channels: 3 } })
      .jpeg({ quality: this.options.jpegQuality })
      .toBuffer()
      .then(
        (jpeg) => {
          frame.release();
          if (this.closed) return this.options.onDropped('stopped');
          if (!this.options.gate.connected) return this.options.onDropped('disconnected');
          const publishTsMs = Date.now();
          const full = { ...header, publishTsMs, previousSequence: this.lastPublished };
          const message = encodeFrame(full, jpeg);
          if (this.send(message, frame, publishTsMs)) this.options.keep?.(full, message, () => {});
        },
        (err: unknown) => {
          frame.release();
          this.options.onDropped('encode_error');
          this.options.onError('encode_error', err);
        },
      )
      .finally(() => {
        this.encoding = false;
        this.pump();
      });
  }

  private send(message: Uint8Array, frame: PendingFrame, publishTsMs: number): boolean {
    try {
      this.options.gate.publish(this.options.subject, message);
      this.lastPublished = frame.sequence;
      this.options.onPublished(message.byteLength, frame, publishTsMs);
      return true;
    } catch (err) {
      this.options.onDropped('publish_error');
      this.options.onError('publish_error', err);
      return false;
    }
  }

  private drop(frame: PendingFrame, reason: DropReason): void {
    frame.release();
    this.options.onDropped(reason);
  }
}
