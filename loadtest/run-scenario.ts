// One load scenario against a fresh pipeline: the fleet runs for the scenario's duration while the
// sampler watches, then (optionally) the gRPC load generator drives Detect and SearchSimilar.
import { readFileSync } from 'node:fs';
import { unary } from '@va/common';
import { SERVICE_NAMES, type ServiceName } from '@va/harness/pipeline/service-catalog';
import { pets09Crops } from '@va/harness/mot15';
import { sharedFile } from '@va/harness/shared';
import { startWholePipeline, type WholePipeline } from '@va/harness/whole-pipeline';
import { FleetSimulator } from './fleet-simulator.js';
import { runGrpcLoad, type GrpcLoadResult } from './grpc-load.js';
import { loadChecks } from './load-checks.js';
import { machineNow, seriesOf, summarise, type LoadReport } from './load-report.js';
import { PipelineCostMeter } from './pipeline-cost.js';
import { PipelineSampler } from './pipeline-sampler.js';
import type { Scenario } from './scenarios.js';
import type { ServiceEnv } from './service-env.js';

export interface RunOptions {
  videos: string;
  inferenceThreads: number;
  log: (line: string) => void;
  /** Settings that differ from the services' defaults (`--env`), to compare variants side by side. */
  serviceEnv: ServiceEnv;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readiness(w: WholePipeline): Promise<Record<ServiceName, boolean>> {
  const out = {} as Record<ServiceName, boolean>;
  for (const n of SERVICE_NAMES) {
    const res = await fetch(w.pipeline.httpUrl(n, '/readyz'), { signal: AbortSignal.timeout(5_000) }).catch(
      () => undefined,
    );
    out[n] = res?.status === 200;
  }
  return out;
}

/** nats-server's count of slow-consumer events: messages it dropped for a client that did not read fast enough. */
async function slowConsumers(w: WholePipeline): Promise<number> {
  const varz = (await (await fetch(`${w.nats.monitorUrl}/varz`)).json()) as { slow_consumers?: number };
  return varz.slow_consumers ?? 0;
}

/** Detect with a full PETS09 frame, SearchSimilar with a person's crop from it: closed loop, bounded. */
async function grpcLoad(
  w: WholePipeline,
  g: NonNullable<Scenario['grpc']>,
  log: RunOptions['log'],
): Promise<GrpcLoadResult[]> {
  const { inference, search } = w.pipeline.clients;
  const frame = readFileSync(sharedFile('data/mot15/PETS09-S2L1/img1/000001.jpg'));
  const crop = (await pets09Crops(1))[0]?.jpeg as Buffer;
  const results: GrpcLoadResult[] = [];
  const bounded = { concurrency: g.concurrency, maxRequests: g.maxRequests, durationMs: g.durationS * 1000 };
  log(`gRPC Detect: ${g.concurrency} callers, at most ${g.maxRequests} requests or ${g.durationS} s`);
  results.push(
    await runGrpcLoad({
      name: 'Detect',
      ...bounded,
      call: () =>
        unary(
          inference.detect.bind(inference),
          { image: frame, model: '', version: '', scoreThreshold: 0, cameraId: '', withEmbeddings: false },
          { deadlineMs: 10_000 },
        ),
    }),
  );
  log(`gRPC SearchSimilar: ${g.concurrency} callers, at most ${g.maxRequests} requests or ${g.durationS} s`);
  results.push(
    await runGrpcLoad({
      name: 'SearchSimilar',
      ...bounded,
      call: () =>
        unary(
          search.searchSimilar.bind(search),
          { query: { $case: 'image', image: crop }, filter: undefined, k: 10, numCandidates: 0, model: '' },
          { deadlineMs: 10_000 },
        ),
    }),
  );
  return results;
}

export async function runScenario(sc: Scenario, o: RunOptions): Promise<LoadReport> {
  const startedAt = new Date().toISOString();
  const loadBefore = machineNow().load;
  o.log(`scenario ${sc.name}: starting the pipeline`);
  const w = await startWholePipeline(`load-${sc.name}`, {
    fileRoot: o.videos,
    inferenceThreads: o.inferenceThreads,
    logLevel: 'warn',
    env: o.serviceEnv,
  });
  let sampler: PipelineSampler | undefined;
  try {
    sampler = await PipelineSampler.start(w.pipeline);
    const costMeter = PipelineCostMeter.open(w);
    const fleet = new FleetSimulator(w.pipeline.clients);
    o.log(`scenario ${sc.name}: adding ${sc.streams} streams × ${sc.fps} fps (${sc.source})`);
    await fleet.grow({ streams: sc.streams, fps: sc.fps, source: sc.source, videos: o.videos });
    await fleet.waitRunning();
    // Warm-up: sessions, pools and bounded caches (ingest's evidence frame ring holds about 30
    // frames per camera) fill before the measured window, so memory and latency verdicts see steady state.
    o.log(`scenario ${sc.name}: all streams running; warm-up ${sc.warmupS} s, then ${sc.durationS} s measured`);
    await sleep(sc.warmupS * 1000);
    const from = sampler.samples.length;
    const slowBefore = await slowConsumers(w);
    const costFrom = await costMeter.read();
    await sleep(sc.durationS * 1000);
    const cost = costMeter.between(costFrom, await costMeter.read());
    await sampler.stop();
    const to = sampler.samples.length;
    const slowDuring = (await slowConsumers(w)) - slowBefore;
    const readyAtEnd = await readiness(w);
    await fleet.clear();
    const summary = summarise(sampler, from, to);
    const checks = loadChecks({
      scenario: sc.name,
      cameras: sc.streams,
      samples: sampler.samples.slice(from, to),
      totals: sampler.totalsBetween(from, to),
      crashes: w.crashes,
      readyAtEnd,
      p95CaptureToTracksMs: summary.latencyMs.captureToTracks.p95,
      natsSlowConsumers: slowDuring,
      hops: summary.hops,
    });
    const grpc = sc.grpc ? await grpcLoad(w, sc.grpc, o.log) : undefined;
    return {
      scenario: sc.name,
      startedAt,
      pass: checks.filter((c) => c.gating).every((c) => c.pass),
      machine: { cores: machineNow().cores, memoryGb: machineNow().memoryGb, loadBefore, loadAfter: machineNow().load },
      config: {
        streams: sc.streams,
        fps: sc.fps,
        source: sc.source,
        durationS: sc.durationS,
        warmupS: sc.warmupS,
        inferenceThreads: o.inferenceThreads,
        serviceEnv: o.serviceEnv,
      },
      window: { fromS: sampler.samples[from]?.t ?? 0, toS: sampler.samples[to - 1]?.t ?? 0 },
      summary,
      cost,
      checks,
      series: seriesOf(sampler),
      ...(grpc ? { grpc } : {}),
    };
  } finally {
    // On an error (a stream that never runs, a failed AddStream) the sampler's interval and bus
    // connection would otherwise keep the process alive, scraping a stopped pipeline.
    await sampler?.stop();
    await w.dispose().catch((err: unknown) => o.log(`after the run: ${String(err)}`));
  }
}
