import { centre, fromXyah, toXyah, type Box } from './box.js';
import type { ValidDetection } from './box-validation.js';
import { initiate, predict, update, type KalmanState } from './kalman.js';

/**
 * tentative: born, not yet trusted (needs minHits consecutive matches; one miss removes it).
 * confirmed: matched in the latest frame or at least not yet missed.
 * lost: confirmed before, unmatched now; kept for trackBuffer frames to be re-found.
 * removed: gone for good.
 */
export type TrackStatus = 'tentative' | 'confirmed' | 'lost' | 'removed';

/** One object's identity and filter state. Mutated only by the tracker. */
export class Track {
  status: TrackStatus = 'tentative';
  /** True once the track has been confirmed; only such tracks are reported and get events. */
  everConfirmed = false;
  /** Frames since birth, matched frames, consecutive matched frames, frames since the last match. */
  age = 1;
  hits = 1;
  hitStreak = 1;
  framesSinceUpdate = 0;
  /** Score of the detection matched in the latest frame, 0 when none. */
  score: number;
  /** Index of the matched detection in the latest frame's input, -1 when none. */
  detectionIndex: number;
  classId: number;
  className: string;
  embedding: Float32Array | undefined;
  readonly firstSeenMs: number;
  lastSeenMs: number;
  /** Tracker frame numbers of birth and of the latest match. */
  readonly startFrame: number;
  lastMatchFrame: number;
  /** Why the tracker removed it: lost too long, duplicated another track, a frame gap too long to bridge, or the session ended. */
  endReason: 'expired' | 'duplicate' | 'gap' | 'session_end' | undefined;
  /** Distance travelled by the filtered box centre over matched frames, pixels. */
  pathLength = 0;
  private readonly kf: KalmanState;
  private lastCentre: { x: number; y: number };
  private readonly classVotes = new Map<number, { weight: number; name: string }>();

  constructor(
    readonly id: number,
    detection: ValidDetection,
    frame: number,
    timestampMs: number,
  ) {
    this.kf = initiate(toXyah(detection.box));
    this.score = detection.score;
    this.detectionIndex = detection.index;
    this.classId = detection.classId;
    this.className = detection.className;
    this.classVotes.set(detection.classId, { weight: detection.score, name: detection.className });
    this.embedding = detection.embedding ? Float32Array.from(detection.embedding) : undefined;
    this.firstSeenMs = timestampMs;
    this.lastSeenMs = timestampMs;
    this.startFrame = frame;
    this.lastMatchFrame = frame;
    this.lastCentre = centre(detection.box);
  }

  /** The filtered box (after the latest update, or the prediction when unmatched). */
  get box(): Box {
    return fromXyah(this.kf.mean);
  }

  /** Box-centre velocity in pixels per frame. */
  get velocity(): { vx: number; vy: number } {
    return { vx: this.kf.mean[4] as number, vy: this.kf.mean[5] as number };
  }

  /** Read-only view of the filter state, for tests and diagnostics. */
  get filter(): Readonly<KalmanState> {
    return this.kf;
  }

  /** Advances the filter by `frames` frames without a measurement. */
  predict(frames: number): void {
    for (let k = 0; k < frames; k++) {
      // ByteTrack freezes the height velocity of tracks that are not being tracked.
      if (this.status !== 'confirmed' && this.status !== 'tentative') this.kf.mean[7] = 0;
      predict(this.kf);
    }
    this.age += frames;
    this.framesSinceUpdate += frames;
    this.score = 0;
    this.detectionIndex = -1;
  }

  /** Takes a matched detection into the filter. `learnAppearance`: fold its embedding in. */
  match(
    detection: ValidDetection,
    frame: number,
    timestampMs: number,
    momentum: number,
    learnAppearance: boolean,
    classAware: boolean,
  ): void {
    update(this.kf, toXyah(detection.box));
    if (this.framesSinceUpdate <= 1 || this.status === 'tentative') this.hitStreak++;
    else this.hitStreak = 1;
    this.hits++;
    this.framesSinceUpdate = 0;
    this.score = detection.score;
    this.detectionIndex = detection.index;
    this.lastSeenMs = timestampMs;
    this.lastMatchFrame = frame;
    const c = centre(this.box);
    this.pathLength += Math.hypot(c.x - this.lastCentre.x, c.y - this.lastCentre.y);
    this.lastCentre = c;
    if (!classAware) this.voteClass(detection);
    if (learnAppearance && detection.embedding) this.learnEmbedding(detection.embedding, momentum);
  }

  private voteClass(detection: ValidDetection): void {
    const vote = this.classVotes.get(detection.classId);
    if (vote) vote.weight += detection.score;
    else this.classVotes.set(detection.classId, { weight: detection.score, name: detection.className });
    let best = this.classId;
    let bestWeight = this.classVotes.get(best)?.weight ?? 0;
    for (const [classId, v] of this.classVotes) {
      if (v.weight > bestWeight || (v.weight === bestWeight && classId < best)) {
        best = classId;
        bestWeight = v.weight;
      }
    }
    this.classId = best;
    this.className = this.classVotes.get(best)?.name ?? this.className;
  }

  private learnEmbedding(e: Float32Array, momentum: number): void {
    if (!this.embedding || this.embedding.length !== e.length) {
      this.embedding = Float32Array.from(e);
      return;
    }
    let sum = 0;
    for (let i = 0; i < e.length; i++) {
      const v = momentum * (this.embedding[i] as number) + (1 - momentum) * (e[i] as number);
      this.embedding[i] = v;
      sum += v * v;
    }
    const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let i = 0; i < e.length; i++) this.embedding[i] = (this.embedding[i] as number) * inv;
  }
}
