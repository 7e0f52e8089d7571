export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
}

/**
 * Exponential back-off with jitter for source restarts: initial, 2x, 4x, ... capped at max.
 * Jitter spreads the reconnects of many cameras that lost the same network at once.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call doubles the base delay. */
  next(): number {
    const base = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const factor = 1 + this.options.jitter * (2 * this.random() - 1);
    return Math.max(0, Math.round(Math.min(this.options.maxMs * (1 + this.options.jitter), base * factor)));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
