/**
 * Tracks how long a condition has held over consecutive frames and says once, when it has held
 * for at least `minFrames` frames and `minMs` milliseconds, that the run is long enough. The next
 * run starts after the condition stops holding.
 */
export class ConditionRun {
  private frames = 0;
  private startTsMs = 0;
  private startSequence = 0;
  private reported = false;

  constructor(
    private readonly minFrames: number,
    private readonly minMs: number,
  ) {}

  /** True while the condition holds, reported or not yet (a fault suspected is already a cause). */
  get holding(): boolean {
    return this.frames > 0;
  }

  /** Consecutive frames the condition has held for (0 when it does not hold). */
  get length(): number {
    return this.frames;
  }

  /** Returns the run when it has just become long enough, otherwise undefined. */
  update(
    holds: boolean,
    sequence: number,
    tsMs: number,
  ): { frames: number; durationMs: number; startSequence: number } | undefined {
    if (!holds) {
      this.frames = 0;
      this.reported = false;
      return undefined;
    }
    if (this.frames === 0) {
      this.startTsMs = tsMs;
      this.startSequence = sequence;
    }
    this.frames++;
    const durationMs = tsMs - this.startTsMs;
    if (this.reported || this.frames < this.minFrames || durationMs < this.minMs) return undefined;
    this.reported = true;
    return { frames: this.frames, durationMs, startSequence: this.startSequence };
  }
}
