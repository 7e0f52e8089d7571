import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { BBox } from '@va/proto/va/common/v1/geometry';
import { TrackState, type TrackUpdate } from '@va/proto/va/common/v1/track';
import { coveredBy, insideWithMargin, isFiniteBox } from './geometry.js';
import { forgetRemovedTracks } from './track-memory.js';
import { frameFields, type Finding, type SanityRule } from './rule.js';

export interface TrackWithoutDetectionOptions {
  /** Consecutive frames without a matched detection before the track is suspicious (N). */
  minFrames: number;
  /** The score of the last matched detection must have been at least this. */
  minLastScore: number;
  /** Tracks within this share of the frame size from an edge are leaving the picture: not flagged. */
  edgeMargin: number;
  /** Tracks covered by another track or detection more than this share are occluded: not flagged. */
  maxOcclusion: number;
}

interface TrackMemory {
  lastScore: number;
  unmatched: number;
  flagged: boolean;
  /** Covered by another track or detection at some frame since the last match: it went behind something. */
  occluded: boolean;
  /**
   * Frames were shed (a gap in the sequence numbers: ingest or inference dropped them under load)
   * since the last match. Over a gap the tracker's prediction is a guess across frames nobody
   * detected, and failing to match it is no missed detection: excused until matched again.
   */
  afterGap: boolean;
}

/**
 * Detector/tracker disagreement, first half: a confirmed track keeps being reported but the
 * detector has not seen it for N frames, although it saw it confidently before, and it is
 * neither leaving the picture nor hidden behind something. Either the detector went blind on
 * that object (a missed detection worth labeling) or the tracker holds a ghost.
 */
export class TrackWithoutDetectionRule implements SanityRule {
  /** Sees predicted updates only to count them out: a frame nobody detected is no missed detection. */
  readonly judgesUndetectedFrames = true;
  private readonly tracks = new Map<string, TrackMemory>();
  private lastSequence = -1;

  constructor(private readonly options: TrackWithoutDetectionOptions) {}

  onTracks(update: TrackUpdate, detections: DetectionBatch | undefined): Finding[] {
    const gap = this.lastSequence >= 0 && update.sequence > this.lastSequence + 1;
    this.lastSequence = update.sequence;
    if (gap) for (const memory of this.tracks.values()) memory.afterGap = true;
    if (update.predicted) {
      forgetRemovedTracks(this.tracks, update.tracks);
      return [];
    }
    const findings: Finding[] = [];
    for (const track of update.tracks) {
      if (track.state !== TrackState.TRACK_STATE_CONFIRMED && track.state !== TrackState.TRACK_STATE_LOST) continue;
      const memory = this.tracks.get(track.trackId) ?? {
        lastScore: 0,
        unmatched: 0,
        flagged: false,
        occluded: false,
        afterGap: false,
      };
      this.tracks.set(track.trackId, memory);
      if (track.detectionIndex >= 0) {
        memory.lastScore = track.score;
        memory.unmatched = 0;
        memory.flagged = false;
        memory.occluded = false;
        memory.afterGap = false;
        continue;
      }
      // N counts frames the detector looked at, as this rule saw them: not the tracker's
      // framesSinceUpdate, which also counts frames skipped by schedule or shed under load.
      memory.unmatched++;
      if (memory.flagged || memory.occluded || memory.afterGap || memory.lastScore < this.options.minLastScore)
        continue;
      const box = track.box;
      if (!box || !isFiniteBox(box)) continue;
      // Judged from the first unmatched frame on: a person who walked behind someone stays excused
      // after the tracker's predicted box has coasted clear of them (it is a guess by then).
      const occlusion = this.occlusion(track.trackId, box, update, detections);
      if (occlusion > this.options.maxOcclusion) memory.occluded = true;
      if (memory.occluded || memory.unmatched < this.options.minFrames) continue;
      if (!insideWithMargin(box, update.frameWidth, update.frameHeight, this.options.edgeMargin)) continue;
      memory.flagged = true;
      findings.push({
        ...frameFields(update),
        rule: 'track-without-detection',
        subject: track.trackId,
        trackId: track.trackId,
        message: `track ${track.trackId} (${track.className || track.classId}) has had no detection for ${memory.unmatched} frames although its last score was ${memory.lastScore.toFixed(2)}`,
        evidence: {
          frames_unmatched: memory.unmatched,
          min_frames: this.options.minFrames,
          last_score: memory.lastScore,
          min_last_score: this.options.minLastScore,
          occlusion,
        },
        boxes: [box],
        scores: [memory.lastScore],
        classNames: [track.className],
      });
    }
    forgetRemovedTracks(this.tracks, update.tracks);
    return findings;
  }

  /**
   * The largest share of the track's box covered by another track seen in this frame or by a
   * detection. Lost tracks are no occluders: a camera going dark loses a crowd at once, and people
   * the detector misses together do not excuse each other.
   */
  private occlusion(trackId: string, box: BBox, update: TrackUpdate, detections: DetectionBatch | undefined): number {
    let worst = 0;
    for (const other of update.tracks) {
      if (other.trackId !== trackId && other.box && other.detectionIndex >= 0)
        worst = Math.max(worst, coveredBy(box, other.box));
    }
    for (const d of detections?.detections ?? []) if (d.box) worst = Math.max(worst, coveredBy(box, d.box));
    return worst;
  }
}
