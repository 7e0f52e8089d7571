/** Room before the pixels for Frame's header fields (camera id, sequence, sizes, ...). */
export const FRAME_HEAD_RESERVE = 160;
/** Room after the pixels for letterbox, stats (with their 1 KiB grey thumbnail), publish time and stream epoch. */
export const FRAME_TAIL_RESERVE = 1536;

/**
 * A fixed set of frame buffers for one stream. Pixels are read from ffmpeg straight into the
 * middle of a buffer, and the Frame protobuf is written around them in place (frame-encoder),
 * so a raw frame is copied once on its way from ffmpeg's pipe to the NATS client.
 */
export class FramePool {
  private readonly free: Uint8Array[] = [];
  readonly bufferBytes: number;

  constructor(
    readonly payloadBytes: number,
    readonly capacity: number,
  ) {
    this.bufferBytes = FRAME_HEAD_RESERVE + payloadBytes + FRAME_TAIL_RESERVE;
    for (let i = 0; i < capacity; i++) this.free.push(new Uint8Array(this.bufferBytes));
  }

  /** A free buffer, or undefined when every buffer is in use (the caller drops the frame). */
  acquire(): Uint8Array | undefined {
    return this.free.pop();
  }

  release(buffer: Uint8Array): void {
    if (buffer.byteLength !== this.bufferBytes || this.free.length >= this.capacity || this.free.includes(buffer)) return;
    this.free.push(buffer);
  }

  get available(): number {
    return this.free.length;
  }
}
