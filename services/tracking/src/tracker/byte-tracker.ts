import { linearAssignment } from './assignment.js';
import { iou, type Box } from './box.js';
import { validateDetections, type RawDetection, type RejectReason, type ValidDetection } from './box-validation.js';
import { fuseAppearance, fuseScore, gateClasses, iouCost } from './cost.js';
import { Track } from './track.js';
import type { TrackerParams } from './tracker-params.js';

export interface TrackerFrame {
  detections: readonly RawDetection[];
  /** Source frame size, for box sanity checks; 0 when unknown. */
  frameWidth: number;
  frameHeight: number;
  timestampMs: number;
  /** Frames since the previous update (1 normally; more when frames were missed). */
  framesElapsed?: number;
}

export interface TrackerStep {
  /** Tracker frame number (1 for the first frame of a session, then advancing by framesElapsed). */
  frame: number;
  /** Every live track (tentative, confirmed and lost), by id. */
  tracks: readonly Track[];
  /** Became confirmed in this frame. */
  started: Track[];
  /** Went from confirmed to lost in this frame. */
  lost: Track[];
  /** Went from lost back to confirmed in this frame. */
  refound: Track[];
  /** Confirmed-at-some-point tracks removed in this frame. */
  ended: Track[];
  rejected: Partial<Record<RejectReason, number>>;
  droppedEmbeddings: number;
}

/**
 * ByteTrack (Zhang et al., 2022) with BoT-SORT's appearance fusion, pure and deterministic: the
 * same frames give the same tracks and ids. Per frame:
 *  1. every track's Kalman filter predicts (once per elapsed frame, so gaps are bridged);
 *  2. confirmed and lost tracks are matched to the high-score detections (IoU cost, fused with
 *     the score and, where both sides have embeddings, with appearance);
 *  3. the confirmed tracks still unmatched are matched to the low-score detections on IoU alone:
 *     this recovers objects the detector sees only weakly (occlusion, blur) without letting low
 *     scores start tracks; tracks left unmatched become lost;
 *  4. tentative tracks are matched to the remaining high-score detections; unmatched ones die;
 *  5. remaining detections scoring newTrackThresh or more start tentative tracks;
 *  6. lost tracks older than trackBuffer frames are removed, as are lost tracks duplicating a
 *     confirmed one (IoU > 0.85).
 * With classAware, pairs of different classes are never matched; otherwise any box matches any
 * track and the track's class is the score-weighted vote of its detections.
 */
export class ByteTracker {
  private live: Track[] = [];
  private frameNo = 0;
  private nextId: number;

  constructor(
    readonly params: TrackerParams,
    firstId = 1,
  ) {
    this.nextId = firstId;
  }

  get tracks(): readonly Track[] {
    return this.live;
  }

  get frame(): number {
    return this.frameNo;
  }

  update(input: TrackerFrame): TrackerStep {
    const p = this.params;
    const ts = input.timestampMs;
    const firstFrame = this.frameNo === 0;
    const step = this.advance(input.framesElapsed ?? 1);
    const frame = step.frame;

    const checked = validateDetections(input.detections, input.frameWidth, input.frameHeight, p.validation);
    step.rejected = checked.rejected;
    step.droppedEmbeddings = checked.droppedEmbeddings;

    const high: ValidDetection[] = [];
    const low: ValidDetection[] = [];
    for (const d of checked.valid) {
      if (d.score >= p.trackHighThresh) high.push(d);
      else if (p.twoStage && d.score >= p.trackLowThresh) low.push(d);
    }

    const tentative = this.live.filter((t) => t.status === 'tentative');
    const pool = this.live.filter((t) => t.status === 'confirmed' || t.status === 'lost');

    // 1. Confirmed and lost tracks against high-score detections.
    const first = this.associate(pool, high, p.matchThresh, true);
    for (const [i, j] of first.matches) {
      const t = pool[i] as Track;
      if (t.status === 'lost') step.refound.push(t);
      t.status = 'confirmed';
      this.matchTrack(t, high[j] as ValidDetection, frame, ts);
    }

    // 2. Tracks still confirmed but unmatched against low-score detections, IoU only.
    const remaining = first.unmatchedRows.map((i) => pool[i] as Track).filter((t) => t.status === 'confirmed');
    const second = this.associate(remaining, low, p.secondMatchThresh, false);
    for (const [i, j] of second.matches) this.matchTrack(remaining[i] as Track, low[j] as ValidDetection, frame, ts);
    for (const i of second.unmatchedRows) {
      const t = remaining[i] as Track;
      t.status = 'lost';
      step.lost.push(t);
    }

    // 3. Tentative tracks against the high-score detections left over.
    const leftover = first.unmatchedCols.map((j) => high[j] as ValidDetection);
    const third = this.associate(tentative, leftover, p.unconfirmedMatchThresh, true);
    for (const [i, j] of third.matches) {
      const t = tentative[i] as Track;
      this.matchTrack(t, leftover[j] as ValidDetection, frame, ts);
      if (t.hitStreak >= p.minHits) this.confirm(t, step);
    }
    for (const i of third.unmatchedRows) (tentative[i] as Track).status = 'removed';

    // 4. New tracks.
    for (const j of third.unmatchedCols) {
      const d = leftover[j] as ValidDetection;
      if (d.score < p.newTrackThresh) continue;
      const t = new Track(this.nextId++, d, frame, ts);
      this.live.push(t);
      if (p.minHits <= 1 || (firstFrame && p.confirmOnFirstFrame)) this.confirm(t, step);
    }

    // 5. Expire lost tracks; drop lost tracks that duplicate a confirmed one.
    for (const t of this.live) {
      if (t.status === 'lost' && t.framesSinceUpdate > p.trackBuffer) this.remove(t, step, 'expired');
    }
    this.removeDuplicates(step);

    this.live = this.live.filter((t) => t.status !== 'removed');
    step.tracks = this.live;
    return step;
  }

  /**
   * A frame the detector did not look at (the stream's detection schedule): every track advances
   * by its Kalman prediction and nothing else changes. No association, so no track is lost,
   * confirmed, started or ended for want of a detection nobody tried to make; tentative tracks
   * wait for the next detected frame. A gap longer than maxPredictFrames still ends every track.
   */
  predict(framesElapsed = 1): TrackerStep {
    const step = this.advance(framesElapsed);
    step.tracks = this.live;
    return step;
  }

  /**
   * What every frame starts with: the frame number moves on by the frames elapsed (at least one),
   * a gap longer than maxPredictFrames ends every track, and the rest predict across the gap.
   */
  private advance(framesElapsed: number): TrackerStep {
    const elapsed = Math.max(1, Math.floor(framesElapsed));
    const step: TrackerStep = {
      frame: 0,
      tracks: [],
      started: [],
      lost: [],
      refound: [],
      ended: [],
      rejected: {},
      droppedEmbeddings: 0,
    };
    if (this.frameNo !== 0 && elapsed > this.params.maxPredictFrames) step.ended.push(...this.endAll('gap'));
    this.frameNo += elapsed;
    step.frame = this.frameNo;
    for (const t of this.live) t.predict(elapsed);
    return step;
  }

  /** Removes every live track (stream restart, hand-over); returns those that had been confirmed. */
  endAll(reason: 'gap' | 'session_end' = 'session_end'): Track[] {
    const ended = this.live.filter((t) => t.everConfirmed);
    for (const t of this.live) {
      t.status = 'removed';
      t.endReason = reason;
    }
    this.live = [];
    return ended;
  }

  private associate(tracks: readonly Track[], detections: readonly ValidDetection[], threshold: number, full: boolean) {
    const p = this.params;
    const n = tracks.length;
    const m = detections.length;
    const trackBoxes: Box[] = tracks.map((t) => t.box);
    const cost = iouCost(
      trackBoxes,
      detections.map((d) => d.box),
    );
    if (full && n > 0 && m > 0) {
      const iouOnly = p.appearance ? Float64Array.from(cost) : cost;
      if (p.fuseScore)
        fuseScore(
          cost,
          m,
          detections.map((d) => d.score),
        );
      if (p.appearance) {
        fuseAppearance(
          cost,
          iouOnly,
          m,
          tracks.map((t) => t.embedding),
          detections.map((d) => d.embedding),
          p.appearanceThresh,
          p.proximityThresh,
        );
      }
    }
    if (p.classAware && n > 0 && m > 0)
      gateClasses(
        cost,
        m,
        tracks.map((t) => t.classId),
        detections.map((d) => d.classId),
      );
    return linearAssignment(cost, n, m, threshold);
  }

  private matchTrack(t: Track, d: ValidDetection, frame: number, ts: number): void {
    const p = this.params;
    t.match(d, frame, ts, p.embeddingMomentum, p.appearance && d.score >= p.trackHighThresh, p.classAware);
  }

  private confirm(t: Track, step: TrackerStep): void {
    t.status = 'confirmed';
    if (!t.everConfirmed) {
      t.everConfirmed = true;
      step.started.push(t);
    }
  }

  private remove(t: Track, step: TrackerStep, reason: 'expired' | 'duplicate'): void {
    t.status = 'removed';
    t.endReason = reason;
    if (t.everConfirmed) step.ended.push(t);
  }

  /** ByteTrack's remove_duplicate_stracks: of a confirmed and a lost track overlapping > 0.85 IoU, the younger goes. */
  private removeDuplicates(step: TrackerStep): void {
    const confirmed = this.live.filter((t) => t.status === 'confirmed' && t.everConfirmed);
    const lost = this.live.filter((t) => t.status === 'lost');
    if (confirmed.length === 0 || lost.length === 0) return;
    for (const a of confirmed) {
      for (const b of lost) {
        if (a.status === 'removed' || b.status === 'removed') continue;
        if (this.params.classAware && a.classId !== b.classId) continue;
        if (1 - iou(a.box, b.box) >= 0.15) continue;
        const ageA = a.lastMatchFrame - a.startFrame;
        const ageB = b.lastMatchFrame - b.startFrame;
        if (ageA > ageB) this.remove(b, step, 'duplicate');
        // As in ByteTrack the older identity wins, even when it is the lost one: it will take the
        // detection back in the next frame.
        else this.remove(a, step, 'duplicate');
      }
    }
  }
}
