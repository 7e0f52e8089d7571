import { DecodeBudgetError } from './image-errors.js';

/** 300.0 MiB, 240.0 KiB, 512 B: sizes in messages people read. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;
}

/**
 * The service-wide budget of decoded image bytes (VA_INFERENCE_MAX_DECODED_BYTES_IN_FLIGHT).
 * Reserved before a decode allocates and returned once the pixels are written into the batch
 * tensor. It never queues: a request that does not fit now is refused with RESOURCE_EXHAUSTED
 * so the caller retries, instead of waiting in an unbounded line.
 */
export class DecodeBudget {
  private used = 0;

  constructor(
    readonly capacity: number,
    private readonly onChange: (inUse: number) => void = () => {},
  ) {}

  get inUse(): number {
    return this.used;
  }

  /** Reserves `bytes` or throws DecodeBudgetError; the returned function gives them back (once). */
  acquire(bytes: number, what: string): () => void {
    if (this.used + bytes > this.capacity) {
      throw new DecodeBudgetError(
        `${what} would decode to ${formatBytes(bytes)}, but ${formatBytes(this.used)} of the service's ${formatBytes(this.capacity)} decoding budget are in use; try again shortly`,
      );
    }
    this.used += bytes;
    this.onChange(this.used);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      this.onChange(this.used);
    };
  }
}
