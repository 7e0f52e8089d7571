/** Events per second over the last few seconds, in one-second buckets (fps in and out). */
export class RateMeter {
  private readonly buckets: Float64Array;
  private current = 0;
  private currentSecond = 0;

  constructor(
    private readonly windowS = 5,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new Float64Array(windowS + 1);
  }

  mark(count = 1): void {
    this.roll();
    this.buckets[this.current] = (this.buckets[this.current] as number) + count;
  }

  /** Average rate over the last `windowS` whole seconds. */
  rate(): number {
    this.roll();
    let sum = 0;
    for (let i = 0; i < this.buckets.length; i++) if (i !== this.current) sum += this.buckets[i] as number;
    return sum / this.windowS;
  }

  private roll(): void {
    const second = Math.floor(this.now() / 1000);
    const steps = Math.min(second - this.currentSecond, this.buckets.length);
    for (let i = 0; i < steps; i++) {
      this.current = (this.current + 1) % this.buckets.length;
      this.buckets[this.current] = 0;
    }
    this.currentSecond = second;
  }
}
