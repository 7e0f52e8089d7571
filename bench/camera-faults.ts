// Camera-fault benchmark (issue 22): real camera faults made by ffmpeg filters over the shared clips
// (each starting mid-clip), plus clean controls, replayed like cameras through the live pipeline (all
// five services, started by the demo's launcher), and the flags sanity-check published read back
// from VA_FLAGS. A fault is caught by a flag that names its kind (rule/subject), at severity 1 or 2,
// raised on a frame at or after the fault began; its time to flag is counted in clip time
// (sequence / fps), so a slow machine does not move it. Clean controls run twice: at normal load
// (nothing shed) and overloaded (the controls times OVERLOAD_COPIES at twice the frame rate, with
// inference's frame age budget short, so frames are shed at the door as on a saturated machine);
// every flag on them, any severity, is false.
//
//   faults_caught, median_time_to_flag_s, false_flags_per_1k_frames, false_flags_per_1k_frames_overload
//   npm run bench:camera-faults -- [--quick]          the last line of output is the JSON summary
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codecs, STREAMS, subjects } from '@va/common';
import { Severity, type Flag } from '@va/proto/va/common/v1/flag';
import { clipStream } from '@va/harness/pipeline/camera-streams';
import { REPO_ROOT, sharedFile } from '@va/harness/shared';
import { CAMERA_FAULTS, FLAG_NAMES, type CameraFault } from '@va/harness/sanity-scenes/camera-faults';
import { encodeFaultClip } from '@va/harness/sanity-scenes/fault-frames';
import { readStored } from '@va/harness/tracking-service';
import { nothingShedEnv, startWholePipeline, type WholePipeline } from '@va/harness/whole-pipeline';

const quick = process.argv.includes('--quick');
const FPS = 3;
const FAULT_AT_S = 10;
const FAULT_CLIP_S = quick ? 22 : 40;
const CLEAN_CLIP_S = quick ? 45 : 130;
const OVERLOAD_COPIES = quick ? 3 : 4;
const INDOOR = 'data/video/indoor-people_768x432.mp4';
const PARKING = 'data/video/parking-lot-cars_768x432.mp4';
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

interface Camera {
  cameraId: string;
  file: string;
  fault?: CameraFault;
}

async function makeClip(dir: string, name: string, clip: string, seconds: number, filter: string): Promise<string> {
  const out = join(dir, `${name}.mp4`);
  await encodeFaultClip(sharedFile(clip), filter, seconds, out, 30);
  return out;
}

/** Streams every camera to its end, then returns each camera's flags and frames read. */
async function replay(
  w: WholePipeline,
  cameras: Camera[],
  fps: number,
): Promise<Map<string, { flags: Flag[]; frames: number }>> {
  for (const c of cameras) await w.addStream({ ...clipStream(c.cameraId, c.file, { fps, loop: false }) });
  const frames = new Map<string, number>();
  for (const c of cameras) frames.set(c.cameraId, Number((await w.waitCompleted(c.cameraId, 900_000)).framesRead));
  // Sanity-check judges what inference and tracking published: wait until its consumers have taken everything.
  await waitConsumed(w);
  const out = new Map<string, { flags: Flag[]; frames: number }>();
  for (const c of cameras) {
    const stored = await readStored(w.bus, STREAMS.flags.name, subjects.flags(c.cameraId), (b) =>
      codecs.flag.decode(b),
    );
    const byId = new Map<string, Flag>();
    for (const f of stored) if (!byId.has(f.flagId)) byId.set(f.flagId, f);
    out.set(c.cameraId, { flags: [...byId.values()], frames: frames.get(c.cameraId) ?? 0 });
  }
  return out;
}

/** Until every durable consumer of VA_DETECTIONS and VA_TRACKS has nothing pending or unacknowledged. */
async function waitConsumed(w: WholePipeline): Promise<void> {
  for (let i = 0; i < 600; i++) {
    let pending = 0;
    for (const stream of [STREAMS.detections.name, STREAMS.tracks.name]) {
      for await (const c of w.bus.jsm.consumers.list(stream))
        if (c.config.durable_name) pending += c.num_pending + c.num_ack_pending;
    }
    if (pending === 0) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('sanity-check did not catch up within 10 minutes');
}

const describeFlag = (f: Flag) => `${f.rule}/${f.subject} sev ${f.severity} at ${(f.sequence / FPS).toFixed(1)} s`;

const started = Date.now();
const faultClips: Array<{ clip: string; fault: CameraFault }> = [
  ...CAMERA_FAULTS.map((fault) => ({ clip: INDOOR, fault })),
  ...(quick
    ? []
    : CAMERA_FAULTS.filter((f) => f.name !== 'red-blue-swapped' && f.name !== 'knocked-shifted-zoomed').map(
        (fault) => ({ clip: PARKING, fault }),
      )),
];

// Normal load: every fault and the clean controls, nothing shed.
const normal = await startWholePipeline('camera-faults', { env: nothingShedEnv(CLEAN_CLIP_S * FPS + 30) });
const cameras: Camera[] = [];
const controls: Camera[] = [];
let results: Array<{
  camera: string;
  fault: string;
  kind: string;
  caught: boolean;
  time_to_flag_s: number | null;
  flags: string[];
}> = [];
const falseNormal = { flags: 0, frames: 0, list: [] as string[] };
try {
  log(`making ${faultClips.length} fault clips and 2 clean controls with ffmpeg`);
  for (const { clip, fault } of faultClips) {
    const place = clip === INDOOR ? 'indoor' : 'parking';
    cameras.push({
      cameraId: `${place}-${fault.name}`.slice(0, 64),
      file: await makeClip(normal.dir, `${place}-${fault.name}`, clip, FAULT_CLIP_S, fault.filter(FAULT_AT_S)),
      fault,
    });
  }
  controls.push({
    cameraId: 'clean-indoor',
    file: await makeClip(normal.dir, 'clean-indoor', INDOOR, CLEAN_CLIP_S, ''),
  });
  controls.push({ cameraId: 'clean-parking', file: await makeClip(normal.dir, 'clean-parking', PARKING, 30, '') });
  log(`replaying ${cameras.length + controls.length} cameras at ${FPS} fps through the live pipeline`);
  const got = await replay(normal, [...cameras, ...controls], FPS);
  results = cameras.map((c) => {
    const flags = got.get(c.cameraId)?.flags ?? [];
    const fault = c.fault as CameraFault;
    const from = FAULT_AT_S * FPS;
    const hit = flags
      .filter(
        (f) =>
          FLAG_NAMES[fault.kind].includes(`${f.rule}/${f.subject}`) &&
          f.severity >= Severity.SEVERITY_ACT_NOW &&
          f.severity <= Severity.SEVERITY_ACT_TODAY &&
          f.sequence >= from,
      )
      .sort((a, b) => a.sequence - b.sequence)[0];
    return {
      camera: c.cameraId,
      fault: fault.name,
      kind: fault.kind,
      caught: hit !== undefined,
      time_to_flag_s: hit ? (hit.sequence - from) / FPS : null,
      flags: flags.map(describeFlag),
    };
  });
  for (const c of controls) {
    const r = got.get(c.cameraId);
    falseNormal.flags += r?.flags.length ?? 0;
    falseNormal.frames += r?.frames ?? 0;
    falseNormal.list.push(...(r?.flags ?? []).map((f) => `${c.cameraId}: ${describeFlag(f)}: ${f.message}`));
  }
} finally {
  await normal.dispose();
}

// Overload: the clean controls several times over at twice the rate, inference's age budget short.
const overloaded = await startWholePipeline('camera-faults-overload', {
  env: { 'batching-inference': { VA_INFERENCE_MAX_FRAME_AGE_MS: '400' } },
});
const falseOverload = { flags: 0, frames: 0, list: [] as string[], shed_share: 0 };
try {
  const copies: Camera[] = [];
  const indoor = await makeClip(overloaded.dir, 'clean-indoor', INDOOR, CLEAN_CLIP_S, '');
  const parking = await makeClip(overloaded.dir, 'clean-parking', PARKING, 30, '');
  for (let k = 0; k < OVERLOAD_COPIES; k++)
    copies.push(
      { cameraId: `overload-indoor-${k}`, file: indoor },
      { cameraId: `overload-parking-${k}`, file: parking },
    );
  log(`overload: ${copies.length} clean cameras at ${2 * FPS} fps`);
  const got = await replay(overloaded, copies, 2 * FPS);
  let tracked = 0;
  for (const c of copies) {
    const r = got.get(c.cameraId);
    falseOverload.flags += r?.flags.length ?? 0;
    falseOverload.frames += r?.frames ?? 0;
    falseOverload.list.push(
      ...(r?.flags ?? []).map((f) => `${c.cameraId}: ${f.rule}/${f.subject} sev ${f.severity}: ${f.message}`),
    );
    const updates = await readStored(
      overloaded.bus,
      STREAMS.tracks.name,
      subjects.tracks(c.cameraId),
      (b) => codecs.trackUpdate.decode(b).sequence,
    );
    tracked += new Set(updates).size;
  }
  falseOverload.shed_share = falseOverload.frames > 0 ? 1 - tracked / falseOverload.frames : 0;
} finally {
  await overloaded.dispose();
}

const times = results.flatMap((r) => (r.time_to_flag_s === null ? [] : [r.time_to_flag_s])).sort((a, b) => a - b);
const per1k = (n: number, frames: number) => (frames > 0 ? Math.round((n / frames) * 10000) / 10 : 0);
for (const r of results)
  log(
    `${r.caught ? 'caught' : 'MISSED'} ${r.camera} (${r.kind}) ${r.time_to_flag_s ?? '-'} s: ${r.flags.join('; ') || 'no flags'}`,
  );
for (const line of falseNormal.list) log(`false (normal load) ${line}`);
for (const line of falseOverload.list) log(`false (overload) ${line}`);
const summary = {
  quick,
  faults: results.length,
  faults_caught:
    results.length > 0 ? Math.round((results.filter((r) => r.caught).length / results.length) * 100) / 100 : 0,
  faults_caught_count: results.filter((r) => r.caught).length,
  median_time_to_flag_s: times.length > 0 ? (times[Math.floor((times.length - 1) / 2)] as number) : null,
  clean_frames: falseNormal.frames,
  false_flags_per_1k_frames: per1k(falseNormal.flags, falseNormal.frames),
  overload_frames: falseOverload.frames,
  overload_shed_share: Math.round(falseOverload.shed_share * 100) / 100,
  false_flags_per_1k_frames_overload: per1k(falseOverload.flags, falseOverload.frames),
  wall_s: Math.round((Date.now() - started) / 1000),
};
const dir = join(REPO_ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, `camera-faults${quick ? '-quick' : ''}.json`),
  JSON.stringify(
    { summary, results, false_flags: { normal: falseNormal.list, overload: falseOverload.list } },
    null,
    2,
  ),
);
console.log(JSON.stringify(summary));
