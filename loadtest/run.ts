// `npm run loadtest -- [options]`: the camera-fleet simulator and the gRPC load generator against
// the real pipeline (started here, on 127.0.0.1 only), one fresh pipeline per scenario. Writes
// loadtest/reports/<time>-<scenario>/report.json and report.html, and prints a last-line JSON
// object with each scenario's verdict.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultInferenceThreads } from '@va/harness/pipeline/pipeline-env';
import { REPO_ROOT, sharedDir } from '@va/harness/shared';
import type { FleetSource } from './fleet-simulator.js';
import { htmlReport } from './html-report.js';
import { runScenario } from './run-scenario.js';
import { scenario, type ScenarioName } from './scenarios.js';
import { parseServiceEnv } from './service-env.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'normal,10x' },
    duration: { type: 'string' },
    source: { type: 'string', default: 'clips' },
    quick: { type: 'boolean', default: false },
    'no-grpc': { type: 'boolean', default: false },
    threads: { type: 'string' },
    videos: { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
  },
});
const names = values.scenario.split(',').map((s) => s.trim());
const bad = names.filter((n) => n !== 'normal' && n !== '10x');
const serviceEnv = parseServiceEnv(values.env);
if (bad.length > 0 || (values.source !== 'clips' && values.source !== 'pattern') || serviceEnv === undefined) {
  console.error(
    `usage: npm run loadtest -- [--scenario=normal,10x] [--duration=SEC] [--quick] [--source=clips|pattern] [--no-grpc] [--threads=N] [--videos=DIR] [--env=SERVICE:KEY=VALUE ...]`,
  );
  process.exit(2);
}
const videos = resolve(values.videos ?? join(sharedDir(), 'data', 'video'));
const inferenceThreads = values.threads ? Number(values.threads) : defaultInferenceThreads();
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const verdicts: Record<string, unknown> = {};
for (const name of names as ScenarioName[]) {
  const sc = scenario(name, {
    quick: values.quick,
    grpc: !values['no-grpc'],
    source: values.source as FleetSource,
    ...(values.duration ? { durationS: Number(values.duration) } : {}),
  });
  const report = await runScenario(sc, { videos, inferenceThreads, log, serviceEnv });
  const dir = join(REPO_ROOT, 'loadtest', 'reports', `${report.startedAt.replace(/[:.]/g, '-')}-${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, 'report.html'), htmlReport(report));
  log(
    `hop latency p95: ingest read → publish ${report.summary.hopLatencyMs.ingestPublishDelayP95} ms, capture → received by inference ${report.summary.hopLatencyMs.captureToReceivedP95} ms, inference received → stored ${report.summary.hopLatencyMs.inferenceReceiveToPublishedP95} ms; tracking passed over ${report.summary.trackingGaps.announced} announced-shed sequences, gave up on ${report.summary.trackingGaps.gaveUp}`,
  );
  for (const c of report.checks)
    log(`${c.pass ? 'pass' : 'FAIL'}${c.gating ? '' : ' (reported)'}  ${c.name}: ${c.detail}`);
  for (const g of report.grpc ?? [])
    log(
      `gRPC ${g.name}: ${g.ok}/${g.requests} ok, ${g.throughput.toFixed(1)}/s, p95 ${g.latencyMs.p95.toFixed(0)} ms, errors ${JSON.stringify(g.errors)}`,
    );
  log(
    `scenario ${name}: ${report.pass ? 'PASS' : 'FAIL'}; report ${relative(process.cwd(), join(dir, 'report.html'))}`,
  );
  const s = report.summary;
  verdicts[name] = {
    pass: report.pass,
    streams: sc.streams,
    fps_per_stream: sc.fps,
    p95_capture_to_tracks_ms: Math.round(s.latencyMs.captureToTracks.p95),
    drop_ratio: Number(s.dropRatio.toFixed(4)),
    shed_by_hop: Object.fromEntries(s.hops.map((h) => [h.name, h.shed])),
    tracking_gaps: s.trackingGaps,
    error_ratio: Number(s.errorRatio.toFixed(5)),
    cpu_ms_per_frame: report.cost.cpu_ms_per_frame,
    cpu_ms_per_frame_by_process: report.cost.cpu_ms_per_frame_by_process,
    bytes_per_frame_bus: report.cost.bytes_per_frame_bus,
    es_docs_per_frame: report.cost.es_docs_per_frame,
    failed_checks: report.checks.filter((c) => c.gating && !c.pass).map((c) => c.name),
    report: relative(REPO_ROOT, dir),
  };
}
console.log(JSON.stringify(verdicts));
process.exitCode = Object.values(verdicts).every((v) => (v as { pass: boolean }).pass) ? 0 : 1;
