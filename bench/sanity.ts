// Sanity-check benchmark: replays real sequences (real yolox_nano detections through the inference
// service's offline API, or with --source=gt MOT ground truth made into detections; frame statistics
// from the decoded video) once clean and once per injected fault, through the same rules and flag
// folder the service runs, and reports how many faults were flagged, how many flags the clean
// replay raised, and how many messages per second the rule engine processes (protobuf decode
// included); then the clean replay once more through the real service process over a real
// nats-server (service_msgs_per_s). `npm run bench:sanity -- --quick [--source=yolox|gt]`; the last line is JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codecs } from '@va/common';
import type { Flag } from '@va/proto/va/common/v1/flag';
import { loadSanityConfig } from '../services/sanity-check/src/config.js';
import { FlagFolder } from '../services/sanity-check/src/flags/flag-folder.js';
import { RuleRegistry } from '../services/sanity-check/src/rules/rule-registry.js';
import { FAULT_KINDS, injectFault } from '@va/harness/sanity-scenes/fault-catalogue';
import { DEFAULT_FIXTURE_SOURCE, fixtureSource } from '@va/harness/sanity-scenes/fixture-sources';
import type { InjectedFault } from '@va/harness/sanity-scenes/perturbations';
import { SEQUENCES, extendScene, type Scene } from '@va/harness/sanity-scenes/scene';
import { toMessages } from '@va/harness/sanity-scenes/scene-messages';
import { publishMessages } from '@va/harness/sanity-scenes/replay';
import { startNatsServer } from '@va/harness/nats-server';
import { connectTestNats, startSanityService, waitConsumed } from '@va/harness/sanity-service';
import { REPO_ROOT } from '@va/harness/shared';

/** The bench runs the service defaults except drift windows sized for clips of a few minutes. */
export const BENCH_ENV = {
  VA_SANITY_DRIFT_BASELINE: '1500',
  VA_SANITY_DRIFT_WINDOW: '1000',
  VA_SANITY_DRIFT_EVAL_EVERY: '100',
};
/** Frames after a fault ends within which its flag still counts (rules need a few frames to be sure). */
const SLACK_FRAMES = 60;

const quick = process.argv.includes('--quick');
const config = loadSanityConfig(BENCH_ENV);
const sourceArg =
  process.argv.find((a) => a.startsWith('--source='))?.slice('--source='.length) ?? DEFAULT_FIXTURE_SOURCE;
const source = fixtureSource(sourceArg);

interface Replay {
  flags: Flag[];
  frames: number;
  messages: number;
  ms: number;
}

/** Encodes the scene's messages as they come off the bus, then times decode -> rules -> folder. */
function replay(scene: Scene, cameraId: string): Replay {
  const frames = toMessages(scene, { cameraId, streamEpoch: `bench-${cameraId}`, t0: 1_700_000_000_000 });
  const wire = frames.map((f) => [codecs.detectionBatch.encode(f.batch), codecs.trackUpdate.encode(f.tracks)] as const);
  const registry = new RuleRegistry(config.rules, 100);
  const folder = new FlagFolder(config.folder);
  const flags: Flag[] = [];
  const started = performance.now();
  for (const [detBytes, trackBytes] of wire) {
    const batch = codecs.detectionBatch.decode(detBytes);
    const update = codecs.trackUpdate.decode(trackBytes);
    for (const c of [...registry.onDetections(batch), ...registry.onTracks(update, batch)]) {
      const { outcome } = folder.observe(c);
      if (outcome.kind === 'new' || (outcome.kind === 'suppressed' && outcome.created)) flags.push({ ...outcome.flag });
    }
  }
  return { flags, frames: frames.length, messages: wire.length * 2, ms: performance.now() - started };
}

function caught(fault: InjectedFault, flags: Flag[], frames: number): boolean {
  const until = fault.rule === 'drift' ? frames : fault.toSequence + SLACK_FRAMES;
  return flags.some(
    (f) =>
      f.rule === fault.rule &&
      f.sequence >= fault.fromSequence &&
      f.sequence <= until &&
      (!fault.trackId || f.trackId === fault.trackId),
  );
}

const lengths = quick ? { pets: 900, tud: 710 } : { pets: 2100, tud: 1420 };
const positions = quick ? [0.5] : [0.35, 0.65];
let messages = 0;
let ms = 0;
let cleanFrames = 0;
const cleanFlags: Flag[] = [];
const results: Array<{ sequence: string; kind: string; rule: string; at: number; caught: boolean }> = [];
for (const key of ['pets', 'tud'] as const) {
  const base = await source.load(SEQUENCES[key]());
  const scene = extendScene(base, lengths[key]);
  if (key === 'pets') replay(scene, 'warm-up'); // untimed: lets the JIT compile the hot path first
  const clean = replay(scene, `clean-${key}`);
  cleanFrames += clean.frames;
  cleanFlags.push(...clean.flags);
  messages += clean.messages;
  ms += clean.ms;
  for (const kind of FAULT_KINDS) {
    for (const at of positions) {
      const { scene: faulty, fault } = await injectFault(scene, kind, at);
      const run = replay(faulty, `${kind}-${key}`);
      messages += run.messages;
      ms += run.ms;
      results.push({
        sequence: base.spec.name,
        kind,
        rule: fault.rule,
        at: fault.fromSequence,
        caught: caught(fault, run.flags, run.frames),
      });
    }
  }
}

/**
 * The same clean replay through the real service process and a real nats-server: messages are
 * published as fast as JetStream acks them while the service consumes; the time runs until its
 * durable consumers have acked everything (decode, rules, flag publishing, acks included).
 */
async function serviceThroughput(scene: Scene, cameras: number): Promise<{ msgs: number; msgsPerS: number }> {
  const server = await startNatsServer();
  const service = await startSanityService(server.url, { ...BENCH_ENV, VA_SANITY_FRAMES_ENABLED: 'false' });
  const nats = await connectTestNats(server.url);
  try {
    const batches = Array.from({ length: cameras }, (_, i) =>
      toMessages(scene, { cameraId: `e2e-${i}`, streamEpoch: 'bench', t0: 1_700_000_000_000 }),
    );
    const started = performance.now();
    await Promise.all(batches.map((frames) => publishMessages(nats.js, frames)));
    await waitConsumed(nats, 600_000);
    const msgs = batches.reduce((n, b) => n + b.length * 2, 0);
    return { msgs, msgsPerS: Math.round(msgs / ((performance.now() - started) / 1000)) };
  } finally {
    await nats.close();
    await service.stop();
    await server.dispose();
  }
}

const e2e = await serviceThroughput(extendScene(await source.load(SEQUENCES.pets()), lengths.pets), quick ? 2 : 4);

const bySeverity = (sev: number) => cleanFlags.filter((f) => f.severity === sev).length;
const summary = {
  bench: 'sanity',
  quick,
  detection_source: source.name,
  sequences: ['PETS09-S2L1', 'TUD-Campus'],
  faults_injected: results.length,
  faults_caught: Number((results.filter((r) => r.caught).length / results.length).toFixed(3)),
  faults_missed: results.filter((r) => !r.caught).map((r) => `${r.sequence}:${r.kind}@${r.at}`),
  clean_frames: cleanFrames,
  false_flags: cleanFlags.length,
  false_flags_per_1k_frames: Number(((cleanFlags.length / cleanFrames) * 1000).toFixed(2)),
  false_flags_by_severity: { 1: bySeverity(1), 2: bySeverity(2), 3: bySeverity(3) },
  false_flag_rules: [...new Set(cleanFlags.map((f) => f.rule))],
  msgs: messages,
  msgs_per_s: Math.round(messages / (ms / 1000)),
  service_msgs: e2e.msgs,
  service_msgs_per_s: e2e.msgsPerS,
  config: BENCH_ENV,
};
const dir = join(REPO_ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, `sanity-${sourceArg}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  JSON.stringify({ ...summary, results }, null, 2),
);
for (const r of results)
  console.log(
    `${r.caught ? 'caught' : 'MISSED'}  ${r.sequence.padEnd(12)} ${r.kind.padEnd(17)} -> ${r.rule} at frame ${r.at}`,
  );
console.log(JSON.stringify(summary));
