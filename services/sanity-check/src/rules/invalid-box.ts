import type { BBox } from '@va/proto/va/common/v1/geometry';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { TrackState, type TrackUpdate } from '@va/proto/va/common/v1/track';
import { isFiniteBox } from './geometry.js';
import { frameFields, type Finding, type SanityRule } from './rule.js';

export interface InvalidBoxOptions {
  /** How far (share of the frame size) a box may reach past an edge before it is "outside the frame". */
  edgeTolerance: number;
}

type Problem = 'nan' | 'zero-area' | 'outside-frame' | 'bad-score';

interface Item {
  box: BBox | undefined;
  score: number;
  className: string;
  /** A lost track's box is a prediction: it may coast out of the picture, and its score is 0. */
  predicted?: boolean;
}

const EXAMPLES = 8;

/**
 * Boxes no detector or tracker should ever produce: NaN or infinite coordinates, zero or
 * negative area, boxes outside the frame, scores outside [0, 1]. Usually a decoding bug
 * (wrong stride, wrong letterbox inverse). One finding per problem kind per frame, carrying
 * up to 8 example boxes; NaN boxes cannot travel as boxes, so their count is the evidence.
 * A lost track's predicted box is only checked for NaN and area: trackers let it coast past the edge.
 */
export class InvalidBoxRule implements SanityRule {
  constructor(private readonly options: InvalidBoxOptions) {}

  onDetections(batch: DetectionBatch): Finding[] {
    const items = batch.detections.map((d) => ({ box: d.box, score: d.score, className: d.className }));
    return this.check(batch, items, 'detection');
  }

  onTracks(update: TrackUpdate): Finding[] {
    const items = update.tracks.map((t) => ({
      box: t.box,
      score: t.score,
      className: t.className,
      predicted: t.state !== TrackState.TRACK_STATE_CONFIRMED,
    }));
    return this.check(update, items, 'track');
  }

  private check(msg: DetectionBatch | TrackUpdate, items: Item[], source: 'detection' | 'track'): Finding[] {
    const found = new Map<Problem, Item[]>();
    for (const item of items) {
      const problem = this.problemOf(item, msg.frameWidth, msg.frameHeight);
      if (problem) found.set(problem, [...(found.get(problem) ?? []), item]);
    }
    const findings: Finding[] = [];
    for (const [problem, bad] of found) {
      const examples = problem === 'nan' ? [] : bad.slice(0, EXAMPLES);
      findings.push({
        ...frameFields(msg),
        rule: 'invalid-box',
        subject: `${source}:${problem}`,
        trackId: '',
        message: `${bad.length} ${source} box${bad.length === 1 ? '' : 'es'} ${describe(problem)} in a ${msg.frameWidth}x${msg.frameHeight} frame${problem === 'nan' ? '' : `, e.g. ${formatBox(bad[0]?.box)}`}`,
        evidence: { boxes: bad.length, of_boxes: items.length, edge_tolerance: this.options.edgeTolerance },
        boxes: examples.map((i) => i.box as BBox),
        scores: examples.map((i) => (Number.isFinite(i.score) ? i.score : 0)),
        classNames: examples.map((i) => i.className),
      });
    }
    return findings;
  }

  private problemOf(item: Item, width: number, height: number): Problem | undefined {
    const b = item.box;
    if (!b || !isFiniteBox(b)) return 'nan';
    if (b.x2 - b.x1 <= 0 || b.y2 - b.y1 <= 0) return 'zero-area';
    if (item.predicted) return undefined;
    if (width > 0 && height > 0) {
      const tx = width * this.options.edgeTolerance;
      const ty = height * this.options.edgeTolerance;
      if (b.x1 < -tx || b.y1 < -ty || b.x2 > width + tx || b.y2 > height + ty) return 'outside-frame';
    }
    if (!(item.score >= 0 && item.score <= 1)) return 'bad-score';
    return undefined;
  }
}

function describe(problem: Problem): string {
  switch (problem) {
    case 'nan':
      return 'with NaN or infinite coordinates';
    case 'zero-area':
      return 'with zero or negative area';
    case 'outside-frame':
      return 'outside the frame';
    case 'bad-score':
      return 'with a score outside [0, 1]';
  }
}

function formatBox(b: BBox | undefined): string {
  return b ? `[${[b.x1, b.y1, b.x2, b.y2].map((v) => Math.round(v)).join(', ')}]` : '[]';
}
