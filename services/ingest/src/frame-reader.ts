import { Writable } from 'node:stream';
import { FRAME_HEAD_RESERVE, FramePool } from './frame-pool.js';

const READER_HIGH_WATER_MARK = 1024 * 1024;

/** A whole raw frame read from ffmpeg: pixels at buffer[FRAME_HEAD_RESERVE, + bytes). */
export interface RawFrame {
  buffer: Uint8Array;
  bytes: number;
  /** When its last byte arrived, ms since the epoch. */
  readAtMs: number;
}

export interface FrameReaderEvents {
  onFrame(frame: RawFrame): void;
  /** A frame was skipped because every pooled buffer was busy. */
  onNoBuffer(): void;
}

/**
 * The sink of ffmpeg's rawvideo stdout. It copies each chunk into a pooled frame buffer as it
 * arrives and hands over whole frames; it never holds chunks back (the write callback is called
 * at once), so ffmpeg's pipe keeps draining whatever happens downstream and nothing queues here.
 * When the frame size is not known yet (the stream keeps the source size and ffmpeg has not
 * reported it), chunks wait (at most the high-water mark), then ffmpeg blocks on a full pipe.
 */
export class FrameReader extends Writable {
  private pool: FramePool | undefined;
  private current: Uint8Array | undefined;
  private filled = 0;
  private skipping = false;
  private waiting: (() => void) | undefined;
  framesRead = 0;

  constructor(
    private readonly events: FrameReaderEvents,
    private readonly poolCapacity = 4,
    /** Extra buffers the pool may lend for frames of `frameBytes` kept after publishing (the evidence ring). */
    private readonly lendableFor: (frameBytes: number) => number = () => 0,
  ) {
    // Chunks are consumed synchronously, so nothing accumulates here; a high mark above a pipe
    // chunk keeps write() answering true, so the pipe is not paused and resumed for every 64 KiB.
    // Only while the frame size is unknown do chunks wait, and then at most this many bytes.
    super({ highWaterMark: READER_HIGH_WATER_MARK });
  }

  /** Sets the frame size in bytes; a reader created for a known size gets it at once. */
  setFrameBytes(bytes: number): void {
    if (this.pool?.payloadBytes === bytes) return;
    if (this.pool !== undefined) throw new Error('frame size changed mid-stream');
    this.pool = new FramePool(bytes, this.poolCapacity, this.lendableFor(bytes));
    const resume = this.waiting;
    this.waiting = undefined;
    resume?.();
  }

  get frameBytes(): number | undefined {
    return this.pool?.payloadBytes;
  }

  /** Gives a frame's buffer back once its bytes are no longer needed. */
  release(buffer: Uint8Array): void {
    this.pool?.release(buffer);
  }

  /** Bytes of an unfinished frame when ffmpeg stopped (a torn last frame is not published). */
  get partialBytes(): number {
    return this.filled;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.pool === undefined) {
      this.waiting = () => this._write(chunk, _encoding, callback);
      return;
    }
    this.consume(chunk, this.pool);
    callback();
  }

  private consume(chunk: Buffer, pool: FramePool): void {
    const frameBytes = pool.payloadBytes;
    let at = 0;
    while (at < chunk.length) {
      if (this.current === undefined && !this.skipping) {
        this.current = pool.acquire();
        if (this.current === undefined) {
          this.skipping = true;
          this.events.onNoBuffer();
        }
      }
      const take = Math.min(frameBytes - this.filled, chunk.length - at);
      if (this.current !== undefined) this.current.set(chunk.subarray(at, at + take), FRAME_HEAD_RESERVE + this.filled);
      this.filled += take;
      at += take;
      if (this.filled === frameBytes) {
        const buffer = this.current;
        this.current = undefined;
        this.skipping = false;
        this.filled = 0;
        if (buffer !== undefined) {
          this.framesRead++;
          this.events.onFrame({ buffer, bytes: frameBytes, readAtMs: Date.now() });
        }
      }
    }
  }
}
