import { DetectionBatch, type Detection } from '@va/proto/va/common/v1/detection';
import type { MotRow } from '@va/tracking/eval';
import type { DetectionSource, MotSequence } from './detection-source.js';
import { fnv1a, SeededRandom } from '@va/harness/seeded-random';
import { median } from '@va/harness/statistics';

export interface DegradationOptions {
  seed: number;
  /** Attach synthetic appearance embeddings (an identity vector plus noise, mixed with the occluder's when occluded). */
  embeddings: boolean;
}

const EMBEDDING_DIM = 128;
/** Chance per frame that an identity enters a period of weak detections (scene occluders, blur, pose). */
const DIP_START = 0.025;
/** Expected random false positives per frame, and static clutter spots that fire intermittently. */
const FALSE_POSITIVES_PER_FRAME = 0.5;
const CLUTTER_SPOTS = 2;

/**
 * Detections made from the ground truth the way a real detector errs, seeded:
 *  - visibility: a box covered by boxes nearer the camera (larger bottom y) is partly hidden;
 *    each identity also has random periods (3-12 frames) of weak visibility;
 *  - score ~ N(0.15 + 0.75 * visibility, 0.08): occluded people score low (ByteTrack's premise);
 *  - misses: 4 % plus more the less is visible;
 *  - box jitter: Gaussian on each edge, sd 4 % of the box height, doubled when half hidden;
 *  - false positives: random person-sized boxes (Poisson 0.5 per frame, mostly low scores, some
 *    high) and two static clutter spots firing in 30 % of frames at scores around 0.5;
 *  - embeddings (optional): per identity a random unit vector, with noise and a shared component
 *    so different people are not orthogonal (cosine about 0.2) and the same person about 0.85;
 *    when occluded the occluder's vector bleeds in.
 * Ground-truth rows with conf 0 are people too: they are detected like the others.
 */
export function gtDegradedSource(options: DegradationOptions): DetectionSource {
  return {
    name: 'gt-degraded',
    description: `ground truth degraded (score noise, misses, occlusion dips, box jitter, false positives${options.embeddings ? ', synthetic embeddings' : ''}; seed ${options.seed})`,
    frames: (sequence) => degrade(sequence, options),
  };
}

async function* degrade(sequence: MotSequence, options: DegradationOptions): AsyncGenerator<DetectionBatch> {
  const rnd = new SeededRandom(options.seed * 7919 + fnv1a(sequence.name));
  const identity = new Map<number, Float64Array>();
  const shared = rnd.unitVector(EMBEDDING_DIM);
  const vectorOf = (id: number) => {
    let v = identity.get(id);
    if (!v) identity.set(id, (v = rnd.unitVector(EMBEDDING_DIM)));
    return v;
  };
  const dips = new Map<number, number>(); // id -> frames of weak visibility left
  const typicalH = sequence.gt.length > 0 ? median(sequence.gt.map((r) => r.h)) : 100;
  const clutter = Array.from({ length: CLUTTER_SPOTS }, () => {
    const h = typicalH * rnd.uniform(0.8, 1.2);
    return { x: rnd.uniform(0, sequence.width - h * 0.4), y: rnd.uniform(0, sequence.height - h), w: h * 0.4, h };
  });
  const byFrame = new Map<number, MotRow[]>();
  for (const r of sequence.gt) {
    let list = byFrame.get(r.frame);
    if (!list) byFrame.set(r.frame, (list = []));
    list.push(r);
  }

  for (let frame = 1; frame <= sequence.length; frame++) {
    const rows = (byFrame.get(frame) ?? []).slice().sort((a, b) => a.id - b.id);
    const detections: Detection[] = [];
    for (const r of rows) {
      const { hidden, occluder } = occlusion(r, rows);
      let visibility = 1 - hidden;
      const dip = dips.get(r.id) ?? (rnd.chance(DIP_START) ? rnd.int(3, 12) : 0);
      if (dip > 0) {
        visibility *= rnd.uniform(0.25, 0.5);
        dips.set(r.id, dip - 1);
      } else dips.delete(r.id);
      if (rnd.chance(0.04 + 0.6 * (1 - visibility) ** 2)) continue;
      const score = clamp(rnd.gaussian(0.15 + 0.75 * visibility, 0.08), 0.01, 0.99);
      const sd = 0.04 * r.h * (visibility < 0.5 ? 2 : 1);
      const x1 = r.x + rnd.gaussian(0, sd);
      const y1 = r.y + rnd.gaussian(0, sd);
      const x2 = Math.max(x1 + 2, r.x + r.w + rnd.gaussian(0, sd));
      const y2 = Math.max(y1 + 2, r.y + r.h + rnd.gaussian(0, sd));
      let embedding: number[] = [];
      if (options.embeddings) {
        const mix = occluder ? hidden : 0;
        embedding = normalise(
          combine([
            [shared, 0.5],
            [vectorOf(r.id), 1 - mix],
            [occluder ? vectorOf(occluder.id) : shared, mix],
            [rnd.unitVector(EMBEDDING_DIM), 0.5],
          ]),
        );
      }
      detections.push({ box: { x1, y1, x2, y2 }, score, classId: 0, className: 'person', embedding });
    }
    const fps = rnd.poisson(FALSE_POSITIVES_PER_FRAME);
    for (let k = 0; k < fps; k++) {
      const h = typicalH * rnd.uniform(0.6, 1.4);
      const x = rnd.uniform(0, sequence.width - h * 0.4);
      const y = rnd.uniform(0, sequence.height - h);
      const score = rnd.chance(0.1) ? rnd.uniform(0.6, 0.75) : rnd.uniform(0.1, 0.55);
      detections.push(falsePositive(x, y, h * 0.4, h, score, options.embeddings ? rnd : undefined));
    }
    for (const c of clutter) {
      if (!rnd.chance(0.3)) continue;
      detections.push(
        falsePositive(
          c.x + rnd.gaussian(0, 2),
          c.y + rnd.gaussian(0, 2),
          c.w,
          c.h,
          clamp(rnd.gaussian(0.5, 0.1), 0.05, 0.95),
          options.embeddings ? rnd : undefined,
        ),
      );
    }
    yield DetectionBatch.fromPartial({
      cameraId: sequence.name.replace(/[^A-Za-z0-9_-]/g, '-'),
      sequence: frame - 1,
      captureTsMs: Math.round(((frame - 1) * 1000) / sequence.frameRate),
      frameWidth: sequence.width,
      frameHeight: sequence.height,
      detections,
      detector: { name: 'gt-degraded', version: String(options.seed) },
      streamEpoch: 'bench',
    });
  }
}

function falsePositive(
  x: number,
  y: number,
  w: number,
  h: number,
  score: number,
  rnd: SeededRandom | undefined,
): Detection {
  return {
    box: { x1: x, y1: y, x2: x + w, y2: y + h },
    score,
    classId: 0,
    className: 'person',
    embedding: rnd ? normalise(combine([[rnd.unitVector(EMBEDDING_DIM), 1]])) : [],
  };
}

/** How much of r is covered by the one box in front of it (nearer the camera) that covers it most. */
function occlusion(r: MotRow, rows: readonly MotRow[]): { hidden: number; occluder: MotRow | undefined } {
  let hidden = 0;
  let occluder: MotRow | undefined;
  for (const o of rows) {
    if (o === r || o.y + o.h <= r.y + r.h) continue;
    const iw = Math.min(r.x + r.w, o.x + o.w) - Math.max(r.x, o.x);
    const ih = Math.min(r.y + r.h, o.y + o.h) - Math.max(r.y, o.y);
    if (iw <= 0 || ih <= 0) continue;
    const f = (iw * ih) / (r.w * r.h);
    if (f > hidden) {
      hidden = f;
      occluder = o;
    }
  }
  return { hidden: Math.min(1, hidden), occluder };
}

function combine(parts: Array<[Float64Array, number]>): Float64Array {
  const out = new Float64Array(EMBEDDING_DIM);
  for (const [v, w] of parts)
    for (let i = 0; i < EMBEDDING_DIM; i++) out[i] = (out[i] as number) + w * (v[i] as number);
  return out;
}

function normalise(v: Float64Array): number[] {
  const n = Math.hypot(...v);
  return Array.from(v, (x) => x / n);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
