// What the motion gate costs in tracking quality: the pipeline's tracker (bytetrack+appearance,
// the service defaults) over yolox_nano's detections of a clip, once with every frame detected and
// once with the frames the gate (service defaults) keeps from the detector left to prediction, as
// the pipeline does with them. On the MOT15 clips both are scored against the ground truth; the
// demo clips have none, so there the gated run is scored against the every-frame run's own tracks
// (1.0 MOTA: gating changed nothing the tracker reports), and left unscored when neither run has a
// track of the scored class.
import { resolve } from 'node:path';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { detectVideoCached, readVideoFrames } from '@va/batching-inference/offline';
import { prepareSequence } from '@va/tracking/eval';
import { evaluateSequence, evaluateSequences, type MotMetrics } from '@va/tracking/eval';
import type { MotRow } from '@va/tracking/eval';
import { DEFAULT_TRACKER_PARAMS } from '@va/tracking/tracker';
import { FrameStatsSampler } from '../../services/ingest/src/frame-stats.js';
import { DetectionPolicy } from '../../services/ingest/src/detection-policy.js';
import { DetectionSchedule } from '../../services/ingest/src/detection-schedule.js';
import { MotionGate, type MotionGateSettings } from '../../services/ingest/src/motion-gate.js';
import { loadMotSequence } from '../tracking/mot-sequences.js';
import { trackSequence } from '../tracking/run-tracker.js';
import { sharedFile } from '@va/harness/shared';

export interface QualityClip {
  name: string;
  video: string;
  /** Source frames per kept frame (the demo clips are sampled to about 5 fps, as the pipeline would). */
  frameStep: number;
  /** MOT15 sequence name when the clip has ground truth. */
  mot?: string;
  /** The class whose tracks are scored (MOT15 annotates people; the parking clip has only vehicles). */
  scoredClass: string;
}

export const QUALITY_CLIPS: QualityClip[] = [
  {
    name: 'PETS09-S2L1',
    video: 'data/mot15/PETS09-S2L1/PETS09-S2L1_300frames_768x576_7fps.mp4',
    frameStep: 1,
    mot: 'PETS09-S2L1',
    scoredClass: 'person',
  },
  {
    name: 'TUD-Campus',
    video: 'data/mot15/TUD-Campus/TUD-Campus_71frames_640x480_25fps.mp4',
    frameStep: 1,
    mot: 'TUD-Campus',
    scoredClass: 'person',
  },
  // 10 fps → 5 fps; 12.5 fps → 6.25 fps (the nearest whole step to ingest's 5 fps).
  { name: 'indoor-people', video: 'data/video/indoor-people_768x432.mp4', frameStep: 2, scoredClass: 'person' },
  { name: 'parking-lot-cars', video: 'data/video/parking-lot-cars_768x432.mp4', frameStep: 2, scoredClass: 'car' },
];

const EMBEDDER = 'osnet_x0_25_msmt17';
const round = (x: number) => Number(x.toFixed(4));
const pick = (m: MotMetrics) => ({
  mota: round(m.mota),
  idf1: round(m.idf1),
  id_switches: m.idSwitches,
  fp: m.falsePositives,
  fn: m.misses,
});

/** Source frame indices the gate keeps from the detector, over the clip's kept frames. */
async function gatedFrames(
  clip: QualityClip,
  gate: MotionGateSettings,
): Promise<{ gated: Set<number>; frames: number }> {
  const policy = new DetectionPolicy(new DetectionSchedule(1), new MotionGate(gate));
  let sampler: FrameStatsSampler | undefined;
  const gated = new Set<number>();
  let frames = 0;
  for await (const f of readVideoFrames(sharedFile(clip.video), { frameStep: clip.frameStep })) {
    sampler ??= new FrameStatsSampler(f.image.width, f.image.height, false);
    sampler.compute(f.image.data, 0);
    if (policy.decide(sampler.luma, f.ptsMs) === 'gated') gated.add(f.index);
    frames++;
  }
  return { gated, frames };
}

async function detections(clip: QualityClip): Promise<DetectionBatch[]> {
  if (clip.mot) {
    // The same call (and so the same cache entry) as bench:tracking's yolox source.
    const seq = loadMotSequence(clip.mot);
    if (!seq.video) throw new Error(`${clip.mot} has no video`);
    return (
      await detectVideoCached({
        video: seq.video,
        cameraId: seq.name,
        sharedDir: resolve(seq.dir, '..', '..', '..'),
        embedder: EMBEDDER,
      })
    ).batches;
  }
  const video = sharedFile(clip.video);
  return (
    await detectVideoCached({
      video,
      cameraId: clip.name,
      sharedDir: resolve(video, '..', '..', '..'),
      embedder: EMBEDDER,
      frameStep: clip.frameStep,
    })
  ).batches;
}

export interface GateQuality {
  clip: string;
  reference: 'ground truth' | 'every-frame tracks';
  scored_class: string;
  frames: number;
  /** Reference rows scored (ground-truth boxes, or the every-frame run's track boxes). */
  reference_boxes: number;
  /** Of those, the ones on gated frames: what the gate could have got wrong. */
  reference_boxes_on_gated_frames: number;
  gated: number;
  gate_on_vs_off?: { mota: number; idf1: number; id_switches: number; fp: number; fn: number };
  gate_off?: ReturnType<typeof pick>;
  gate_on?: ReturnType<typeof pick>;
}

/** Gate on vs off per clip, plus the MOT15 clips together (`overall`). */
export async function gateQuality(gate: MotionGateSettings): Promise<{
  clips: GateQuality[];
  overall: {
    gate_off: ReturnType<typeof pick>;
    gate_on: ReturnType<typeof pick>;
    mota_delta: number;
    idf1_delta: number;
  };
}> {
  const out: GateQuality[] = [];
  const scoredOff: Array<{ gt: readonly MotRow[]; hyp: readonly MotRow[] }> = [];
  const scoredOn: Array<{ gt: readonly MotRow[]; hyp: readonly MotRow[] }> = [];
  for (const clip of QUALITY_CLIPS) {
    const { gated, frames } = await gatedFrames(clip, gate);
    const batches = await detections(clip);
    const gatedBatches = batches.map((b) =>
      gated.has(b.sequence) ? { ...b, detections: [], skipped: true, inferenceMs: 0 } : b,
    );
    const skipped = gatedBatches.filter((b) => b.skipped).length;
    if (skipped !== gated.size)
      throw new Error(
        `${clip.name}: the gate kept ${gated.size} frames from the detector but ${skipped} detection batches matched them`,
      );
    const off = trackSequence(DEFAULT_TRACKER_PARAMS, batches, clip.scoredClass);
    const on = trackSequence(DEFAULT_TRACKER_PARAMS, gatedBatches, clip.scoredClass);
    const common = { clip: clip.name, scored_class: clip.scoredClass, frames, gated: gated.size };
    const onGated = (rows: readonly MotRow[]) => rows.filter((r) => gated.has(r.frame - 1)).length;
    if (clip.mot) {
      const gt = loadMotSequence(clip.mot).gt;
      const pOff = prepareSequence(gt, off, 'mot15');
      const pOn = prepareSequence(gt, on, 'mot15');
      scoredOff.push(pOff);
      scoredOn.push(pOn);
      out.push({
        ...common,
        reference: 'ground truth',
        reference_boxes: pOff.gt.length,
        reference_boxes_on_gated_frames: onGated(pOff.gt),
        gate_off: pick(evaluateSequence(pOff.gt, pOff.hyp)),
        gate_on: pick(evaluateSequence(pOn.gt, pOn.hyp)),
      });
    } else {
      // Without tracks of the class in either run there is nothing to compare (yolox_nano finds few of the parking clip's small cars).
      const compared = off.length + on.length > 0 ? { gate_on_vs_off: pick(evaluateSequence(off, on)) } : {};
      out.push({
        ...common,
        reference: 'every-frame tracks',
        reference_boxes: off.length,
        reference_boxes_on_gated_frames: onGated(off),
        ...compared,
      });
    }
  }
  const gateOff = pick(evaluateSequences(scoredOff));
  const gateOn = pick(evaluateSequences(scoredOn));
  return {
    clips: out,
    overall: {
      gate_off: gateOff,
      gate_on: gateOn,
      mota_delta: round(gateOn.mota - gateOff.mota),
      idf1_delta: round(gateOn.idf1 - gateOff.idf1),
    },
  };
}
