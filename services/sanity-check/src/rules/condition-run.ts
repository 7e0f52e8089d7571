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

  /** Returns the run when it has just become long enough, otherwise undefined. */
  update(holds: boolean, sequence: number, tsMs: number): { frames: number; durationMs: number; startSequence: number } | undefined {
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
