import type { NatsConnection } from 'nats';

/** The part of a NATS connection the gate needs (a fake in unit tests). */
export interface BusConnection {
  publish(subject: string, data: Uint8Array): void;
  /** Resolves when the server has seen everything published before it (PING/PONG). */
  flush(): Promise<void>;
  isConnected(): boolean;
}

export function busConnection(nc: NatsConnection, isConnected: () => boolean): BusConnection {
  return { publish: (s, d) => nc.publish(s, d), flush: () => nc.flush(), isConnected };
}

/** Resets the gate whenever the connection drops or comes back (runs until the connection closes). */
export async function resetOnReconnect(nc: NatsConnection, gate: BusGate): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === 'disconnect' || status.type === 'reconnect') gate.reset();
  }
}

const FLUSH_TIMEOUT_MS = 5_000;

/**
 * Bounds what core NATS publishing may hold in memory. The nats client never refuses a publish:
 * on a slow link or while reconnecting it buffers without limit. The gate counts bytes published
 * but not yet confirmed by the server (a flush round trip) and closes above `maxPendingBytes`;
 * publishers then hold their newest frame and drop older ones (frame-publisher). Streams waiting
 * for the gate are woken in arrival order, so one busy camera cannot starve the others.
 */
export class BusGate {
  private unacked = 0;
  private flushing = false;
  private generation = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly conn: BusConnection,
    readonly maxPendingBytes: number,
  ) {}

  get connected(): boolean {
    return this.conn.isConnected();
  }

  get open(): boolean {
    return this.conn.isConnected() && this.unacked < this.maxPendingBytes;
  }

  /** Bytes published and not yet confirmed by the server. */
  get pendingBytes(): number {
    return this.unacked;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Publishes (the caller checked `open`); throws what the client throws (e.g. max payload). */
  publish(subject: string, data: Uint8Array): void {
    this.conn.publish(subject, data);
    this.unacked += data.byteLength;
    this.flushSoon();
  }

  /** Calls `wake` once, the next time the gate is open. */
  whenOpen(wake: () => void): void {
    this.waiters.push(wake);
    if (this.open) queueMicrotask(() => this.wake());
  }

  /** The connection was lost or came back: what the old socket held is gone either way. */
  reset(): void {
    this.generation++;
    this.unacked = 0;
    this.flushing = false;
    this.wake();
  }

  private flushSoon(): void {
    if (this.flushing) return;
    this.flushing = true;
    const covered = this.unacked;
    const generation = this.generation;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), FLUSH_TIMEOUT_MS);
      timer.unref();
    });
    void Promise.race([this.conn.flush().then(() => 'ok' as const), timeout])
      .catch(() => 'failed' as const)
      .then((outcome) => {
        clearTimeout(timer);
        if (generation !== this.generation) return;
        this.flushing = false;
        if (outcome === 'ok') this.unacked = Math.max(0, this.unacked - covered);
        if (outcome === 'failed') this.unacked = 0;
        if (this.unacked > 0 && this.conn.isConnected()) this.flushSoon();
        this.wake();
      });
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.open) {
      const next = this.waiters.shift();
      next?.();
    }
  }
}
