// Motion gate benchmark: `npm run bench:motion-gate`. How many frames of the shared clips the
// gate (service defaults, no masks) keeps from the detector, and its cost per frame. Prints a
// last-line JSON object and writes it to bench/results/motion-gate.json.
//
//   frames, gated, gated_share   per clip; the demo's videos at 5 fps, the MOT15 clips at their own rate
//   gated_with_people            MOT15 only: gated frames with ground-truth people (tracking predicts them)
//   us_per_frame                 frame statistics (which the gate shares) + gate, per frame
//   quality                      tracking with the gate on vs off (bench/motion-gate/gate-quality.ts):
//                                MOTA/IDF1 against the ground truth on the MOT15 clips (overall: both
//                                together, with the deltas), the gated run against the every-frame
//                                run's tracks on the demo clips; --no-quality skips it
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readMot } from '@va/tracking/eval';
import { FrameStatsSampler } from '../services/ingest/src/frame-stats.js';
import { MotionGate } from '../services/ingest/src/motion-gate.js';
import { DetectionPolicy } from '../services/ingest/src/detection-policy.js';
import { DetectionSchedule } from '../services/ingest/src/detection-schedule.js';
import { REPO_ROOT, sharedFile } from '@va/harness/shared';
import { gateQuality } from './motion-gate/gate-quality.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
// The service defaults (config.ts); --pixel-threshold=, --min-changed-share= and --force-ms= try others.
const DEFAULTS = {
  pixelThreshold: arg('pixel-threshold', 25),
  minChangedShare: arg('min-changed-share', 0.003),
  forceDetectEveryMs: arg('force-ms', 2000),
  masks: [],
};

interface Clip {
  name: string;
  path: string;
  width: number;
  height: number;
  /** Frames per second read (the ffmpeg fps filter when below the source rate). */
  fps: number;
  resample: boolean;
  gt?: string;
}

const CLIPS: Clip[] = [
  {
    name: 'parking-lot-cars',
    path: 'data/video/parking-lot-cars_768x432.mp4',
    width: 768,
    height: 432,
    fps: 5,
    resample: true,
  },
  {
    name: 'indoor-people',
    path: 'data/video/indoor-people_768x432.mp4',
    width: 768,
    height: 432,
    fps: 5,
    resample: true,
  },
  {
    name: 'PETS09-S2L1',
    path: 'data/mot15/PETS09-S2L1/PETS09-S2L1_300frames_768x576_7fps.mp4',
    width: 768,
    height: 576,
    fps: 7,
    resample: false,
    gt: 'data/mot15/PETS09-S2L1/gt/gt.txt',
  },
  {
    name: 'TUD-Campus',
    path: 'data/mot15/TUD-Campus/TUD-Campus_71frames_640x480_25fps.mp4',
    width: 640,
    height: 480,
    fps: 25,
    resample: false,
    gt: 'data/mot15/TUD-Campus/gt/gt.txt',
  },
];

/** Frame numbers (0-based) with at least one ground-truth person. */
/** Video frames (0-based) with at least one ground-truth box (MOT frames are 1-based). */
function framesWithPeople(gtPath: string): Set<number> {
  return new Set(readMot(sharedFile(gtPath)).map((row) => row.frame - 1));
}

async function measure(clip: Clip) {
  const frameBytes = clip.width * clip.height * 3;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-i',
    sharedFile(clip.path),
    ...(clip.resample ? ['-vf', `fps=${clip.fps}`] : []),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ];
  const ffmpeg = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const sampler = new FrameStatsSampler(clip.width, clip.height, false);
  const policy = new DetectionPolicy(new DetectionSchedule(1), new MotionGate(DEFAULTS));
  const people = clip.gt ? framesWithPeople(clip.gt) : undefined;
  const frame = Buffer.alloc(frameBytes);
  let filled = 0;
  let frames = 0;
  let gated = 0;
  let gatedWithPeople = 0;
  const gatedFrames: number[] = [];
  let busyNs = 0n;
  for await (const chunk of ffmpeg.stdout as AsyncIterable<Buffer>) {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(frameBytes - filled, chunk.length - at);
      chunk.copy(frame, filled, at, at + n);
      filled += n;
      at += n;
      if (filled < frameBytes) break;
      filled = 0;
      const t0 = process.hrtime.bigint();
      sampler.compute(frame, 0);
      const decision = policy.decide(sampler.luma, (frames * 1000) / clip.fps);
      busyNs += process.hrtime.bigint() - t0;
      if (decision === 'gated') {
        gated++;
        gatedFrames.push(frames);
        if (people?.has(frames)) gatedWithPeople++;
      }
      frames++;
    }
  }
  const round = (x: number, d = 3) => Number(x.toFixed(d));
  return {
    clip: clip.name,
    fps: clip.fps,
    frames,
    gated,
    gated_share: round(gated / frames),
    ...(people
      ? {
          frames_with_people: [...Array(frames).keys()].filter((i) => people.has(i)).length,
          gated_with_people: gatedWithPeople,
        }
      : {}),
    us_per_frame: round(Number(busyNs) / 1000 / frames, 1),
    gated_runs: runs(gatedFrames),
  };
}

/** Consecutive frame numbers as "a-b" ranges. */
function runs(frames: number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < frames.length;) {
    let j = i;
    while (j + 1 < frames.length && frames[j + 1] === (frames[j] as number) + 1) j++;
    out.push(i === j ? `${frames[i]}` : `${frames[i]}-${frames[j]}`);
    i = j + 1;
  }
  return out;
}

const clips = [];
for (const clip of CLIPS) clips.push(await measure(clip));
const quality = process.argv.includes('--no-quality') ? undefined : await gateQuality(DEFAULTS);
for (const q of quality?.clips ?? []) console.log(JSON.stringify(q));
const result = { settings: DEFAULTS, clips, ...(quality ? { quality } : {}) };
const out = join(REPO_ROOT, 'bench/results/motion-gate.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
for (const c of clips) console.log(JSON.stringify(c));
console.log(JSON.stringify(result));
