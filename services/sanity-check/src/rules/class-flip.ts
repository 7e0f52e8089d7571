import { TrackState, type TrackUpdate } from '@va/proto/va/common/v1/track';
import { forgetRemovedTracks } from './track-memory.js';
import { frameFields, type Finding, type SanityRule } from './rule.js';

export interface ClassFlipOptions {
  /** Frames of a track's history the flips are counted over. */
  windowFrames: number;
  /** Class changes within the window that make a flag. */
  minFlips: number;
  /** Only matched detections at least this confident take part (a 0.2 "car" is noise, not a flip). */
  minScore: number;
}

interface Observation {
  sequence: number;
  classId: number;
  className: string;
}

/**
 * Class flip inside a track: the detector keeps changing its mind about what one tracked object
 * is (person, bicycle, person...). Counted over the matched, confident observations in the last
 * `windowFrames` frames; after a flag the history starts over, so a track that keeps flipping
 * gives one flag per window (folded into one flag with a count downstream).
 */
export class ClassFlipRule implements SanityRule {
  private readonly history = new Map<string, Observation[]>();

  constructor(private readonly options: ClassFlipOptions) {}

  onTracks(update: TrackUpdate): Finding[] {
    const findings: Finding[] = [];
    for (const track of update.tracks) {
      if (
        track.state !== TrackState.TRACK_STATE_CONFIRMED ||
        track.detectionIndex < 0 ||
        track.score < this.options.minScore
      )
        continue;
      const past = (this.history.get(track.trackId) ?? []).filter(
        (o) => update.sequence - o.sequence < this.options.windowFrames,
      );
      past.push({ sequence: update.sequence, classId: track.classId, className: track.className });
      this.history.set(track.trackId, past);
      let flips = 0;
      for (let i = 1; i < past.length; i++)
        if ((past[i] as Observation).classId !== (past[i - 1] as Observation).classId) flips++;
      if (flips < this.options.minFlips) continue;
      const names = past.map((o) => o.className || String(o.classId));
      const distinct = new Set(past.map((o) => o.classId));
      findings.push({
        ...frameFields(update),
        rule: 'class-flip',
        subject: track.trackId,
        trackId: track.trackId,
        message: `track ${track.trackId} changed class ${flips} times in ${this.options.windowFrames} frames (${compress(names).join(' -> ')})`,
        evidence: {
          flips,
          min_flips: this.options.minFlips,
          window_frames: this.options.windowFrames,
          distinct_classes: distinct.size,
          score: track.score,
        },
        boxes: track.box ? [track.box] : [],
        scores: track.box ? [track.score] : [],
        classNames: track.box ? [track.className] : [],
      });
      this.history.set(track.trackId, []);
    }
    forgetRemovedTracks(this.history, update.tracks);
    return findings;
  }
}

/** ['person', 'person', 'car', 'person'] -> ['person', 'car', 'person'] */
function compress(names: string[]): string[] {
  return names.filter((n, i) => i === 0 || n !== names[i - 1]);
}
