import type { DetectionSchedule } from './detection-schedule.js';
import type { MotionGate } from './motion-gate.js';

/** Why a published frame does or does not go to the detector. */
export type DetectionDecision = 'detect' | 'scheduled_skip' | 'gated';

/**
 * Frame.skip_detection for each published frame of a stream: the motion gate (when on) holds back
 * still frames, and the schedule (detect_every) thins out the rest. The schedule counts only
 * frames the gate lets through, and a forced detection stays due until a frame is really detected.
 */
export class DetectionPolicy {
  constructor(
    private readonly schedule: DetectionSchedule,
    private readonly gate: MotionGate | undefined,
  ) {}

  decide(luma: Uint8Array, captureTsMs: number): DetectionDecision {
    const { gate } = this;
    if (gate && !gate.observe(luma) && !gate.forcedDue(captureTsMs)) return 'gated';
    if (this.schedule.nextSkips()) return 'scheduled_skip';
    gate?.detected(captureTsMs);
    return 'detect';
  }

  /** A new run of the source: the gate's background starts again from its next frame. */
  reset(): void {
    this.gate?.reset();
  }
}
