/**
 * DeepStream's `interval` per stream: the detector sees one published frame in `every`, the
 * first one included; the frames between are marked skip_detection and tracked by prediction.
 * Counted over frames handed to the bus rather than by sequence number, so frames dropped before
 * publishing (back-pressure, stale) never take the detected slot away.
 */
export class DetectionSchedule {
  private sinceDetected = 0;

  constructor(readonly every: number) {}

  /** Whether the next published frame skips detection. */
  nextSkips(): boolean {
    const skip = this.sinceDetected !== 0;
    this.sinceDetected = (this.sinceDetected + 1) % this.every;
    return skip;
  }
}
