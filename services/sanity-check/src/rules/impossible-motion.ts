import { TrackState, type TrackUpdate } from '@va/proto/va/common/v1/track';
import type { BBox } from '@va/proto/va/common/v1/geometry';
import { centre, diagonal, isFiniteBox } from './geometry.js';
import { forgetRemovedTracks } from './track-memory.js';
import { frameFields, type Finding, type SanityRule } from './rule.js';

export interface ImpossibleMotionOptions {
  /** A move between two matched observations shorter than this many box diagonals is never flagged. */
  minJumpDiagonals: number;
  /** Speed above this many box diagonals per second is impossible for the objects this camera sees. */
  maxSpeedDiagonalsPerS: number;
}

interface LastSeen {
  box: BBox;
  tsMs: number;
  sequence: number;
}

/**
 * Impossible motion: a confirmed track's box centre moves between two matched observations
 * further than the object could travel. Measured relative to the box size (diagonal), so it
 * works for a pedestrian near the camera and a car far away alike: a person covers about one
 * body height per second walking; `maxSpeedDiagonalsPerS` defaults far above that. Both a
 * minimum jump and a speed must be exceeded, so jitter between frames a few ms apart never counts.
 * Usually an identity switch in the tracker or a box decoding error.
 */
export class ImpossibleMotionRule implements SanityRule {
  private readonly last = new Map<string, LastSeen>();

  constructor(private readonly options: ImpossibleMotionOptions) {}

  onTracks(update: TrackUpdate): Finding[] {
    const findings: Finding[] = [];
    for (const track of update.tracks) {
      const box = track.box;
      if (track.state !== TrackState.TRACK_STATE_CONFIRMED || track.detectionIndex < 0 || !box || !isFiniteBox(box))
        continue;
      const previous = this.last.get(track.trackId);
      this.last.set(track.trackId, { box, tsMs: update.captureTsMs, sequence: update.sequence });
      if (!previous || update.captureTsMs <= previous.tsMs) continue;
      const size = (diagonal(box) + diagonal(previous.box)) / 2;
      if (size <= 0) continue;
      const a = centre(previous.box);
      const b = centre(box);
      const jump = Math.hypot(b.x - a.x, b.y - a.y) / size;
      const speed = jump / ((update.captureTsMs - previous.tsMs) / 1000);
      if (jump < this.options.minJumpDiagonals || speed <= this.options.maxSpeedDiagonalsPerS) continue;
      findings.push({
        ...frameFields(update),
        rule: 'impossible-motion',
        subject: track.trackId,
        trackId: track.trackId,
        message: `track ${track.trackId} jumped ${jump.toFixed(1)} box diagonals in ${update.captureTsMs - previous.tsMs} ms (${speed.toFixed(1)} diagonals/s)`,
        evidence: {
          jump_diagonals: jump,
          speed_diagonals_per_s: speed,
          max_speed_diagonals_per_s: this.options.maxSpeedDiagonalsPerS,
          min_jump_diagonals: this.options.minJumpDiagonals,
          dt_ms: update.captureTsMs - previous.tsMs,
          from_sequence: previous.sequence,
        },
        boxes: [previous.box, box],
        scores: [track.score, track.score],
        classNames: [track.className, track.className],
      });
    }
    forgetRemovedTracks(this.last, update.tracks);
    return findings;
  }
}
