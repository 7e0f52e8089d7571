import type { JetStreamManager } from 'nats';

/**
 * Frames a crashed owner of a camera had pulled but not acknowledged. JetStream redelivers them
 * only when their ack wait expires, and by then the camera's new owner has moved past their
 * sequence numbers and would drop them as late: their TrackUpdates would never exist. A graceful
 * owner hands its frames back (nak) when it stops, so frames still pending on the durable when a
 * camera starts mean a crash. The gate then holds every delivery until those frames have been
 * redelivered (or the ack wait plus a margin has passed: a frame deleted from the stream never
 * comes back), and releases everything in stream order, which is the camera's frame order.
 * While it holds, the durable's max_ack_pending bounds what the server hands over.
 */
export class OrphanedFramesGate<T> {
  private readonly held = new Map<number, T>();
  private readonly orphansSeen = new Set<number>();
  private released = false;

  constructor(
    /** Frames pending acknowledgement when the camera started. */
    readonly orphans: number,
    /** The durable's last delivered stream sequence then: the orphans are at or below it. */
    private readonly lastDelivered: number,
    /** After this (epoch ms) everything is released, whether the orphans came back or not. */
    readonly deadlineMs: number,
  ) {}

  /**
   * A gate for the camera's durable when a crashed owner left frames pending, else undefined.
   * The deadline is the ack wait from now (every orphan was delivered before now) plus a margin.
   */
  static async inspect<T>(jsm: JetStreamManager, stream: string, durable: string, ackWaitMs: number, nowMs: number): Promise<OrphanedFramesGate<T> | undefined> {
    const info = await jsm.consumers.info(stream, durable).catch(() => undefined);
    if (!info || info.num_ack_pending === 0) return undefined;
    return new OrphanedFramesGate<T>(info.num_ack_pending, info.delivered.stream_seq, nowMs + ackWaitMs + 2_000);
  }

  get open(): boolean {
    return !this.released;
  }

  /** Holds a delivery; returns everything held, in stream order, once the orphans are all back. */
  offer(item: T, streamSequence: number, nowMs: number): T[] {
    if (this.released) return [item];
    this.held.set(streamSequence, item);
    if (streamSequence <= this.lastDelivered) this.orphansSeen.add(streamSequence);
    return this.orphansSeen.size >= this.orphans || nowMs >= this.deadlineMs ? this.release() : [];
  }

  /** Releases everything held once the deadline has passed. */
  expire(nowMs: number): T[] {
    return !this.released && nowMs >= this.deadlineMs ? this.release() : [];
  }

  /** Everything held, without processing it (the camera is being handed over: give them back). */
  abandon(): T[] {
    return this.release();
  }

  get missing(): number {
    return Math.max(0, this.orphans - this.orphansSeen.size);
  }

  private release(): T[] {
    this.released = true;
    const out = [...this.held.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
    this.held.clear();
    return out;
  }
}
