import { ResourceExhaustedError } from '../errors.js';

export type StreamLimit = 'connection' | 'server';

/**
 * Bounds server streams (Watch, WatchTracks, WatchEvents...) open at once: per connection
 * (the peer address, one HTTP/2 connection) and on the whole server (all callers together).
 * A stream holds its slot until the release function runs, which is idempotent.
 */
export class StreamLimiter {
  private readonly perPeer = new Map<string, number>();
  private total = 0;

  constructor(
    readonly maxPerConnection: number,
    readonly maxTotal: number,
  ) {}

  get open(): number {
    return this.total;
  }

  /** A release function, or a ResourceExhaustedError naming the limit that was reached. */
  acquire(peer: string): (() => void) | { refused: StreamLimit; error: ResourceExhaustedError } {
    const mine = this.perPeer.get(peer) ?? 0;
    if (mine >= this.maxPerConnection) {
      return {
        refused: 'connection',
        error: new ResourceExhaustedError(
          `too many open streams on this connection (limit ${this.maxPerConnection}, VA_GRPC_MAX_STREAMS_PER_CONNECTION): end one first`,
        ),
      };
    }
    if (this.total >= this.maxTotal) {
      return {
        refused: 'server',
        error: new ResourceExhaustedError(
          `too many open streams on this server (limit ${this.maxTotal}, VA_GRPC_MAX_STREAMS): try again later`,
        ),
      };
    }
    this.perPeer.set(peer, mine + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perPeer.get(peer) ?? 1) - 1;
      if (left > 0) this.perPeer.set(peer, left);
      else this.perPeer.delete(peer);
    };
  }
}
