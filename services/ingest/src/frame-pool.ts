/** Room before the pixels for Frame's header fields (camera id, sequence, sizes, ...). */
export const FRAME_HEAD_RESERVE = 160;
/** Room after the pixels for letterbox, stats (with their 1 KiB grey thumbnail), publish time and stream epoch. */
export const FRAME_TAIL_RESERVE = 1536;

/**
 * A fixed set of frame buffers for one stream. Pixels are read from ffmpeg straight into the
 * middle of a buffer, and the Frame protobuf is written around them in place (frame-encoder),
 * so a raw frame is copied once on its way from ffmpeg's pipe to the NATS client.
 *
 * Up to `lendable` more buffers may be out at once, for published frames the evidence ring keeps
 * (published-frame-ring.ts): they are allocated when needed and let go when they come back to a
 * full pool, so the ring's own byte bounds are what bounds them.
 */
export class FramePool {
  private readonly free: Uint8Array[] = [];
  private readonly out = new Set<Uint8Array>();
  readonly bufferBytes: number;

  constructor(
    readonly payloadBytes: number,
    readonly capacity: number,
    readonly lendable = 0,
  ) {
    this.bufferBytes = FRAME_HEAD_RESERVE + payloadBytes + FRAME_TAIL_RESERVE;
    for (let i = 0; i < capacity; i++) this.free.push(new Uint8Array(this.bufferBytes));
  }

  /** A free buffer, or undefined when every buffer is in use (the caller drops the frame). */
  acquire(): Uint8Array | undefined {
    let buffer = this.free.pop();
    if (buffer === undefined && this.out.size < this.capacity + this.lendable)
      buffer = new Uint8Array(this.bufferBytes);
    if (buffer !== undefined) this.out.add(buffer);
    return buffer;
  }

  release(buffer: Uint8Array): void {
    if (!this.out.delete(buffer)) return;
    if (this.free.length < this.capacity) this.free.push(buffer);
  }

  get available(): number {
    return this.free.length;
  }
}
