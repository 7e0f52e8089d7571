// The JSON report of one load run, assembled from the sampler's series and the checks.
import { cpus, loadavg, totalmem } from 'node:os';
import type { Percentiles } from '@va/harness/pipeline/pipeline-scrape';
import type { ServiceName } from '@va/harness/pipeline/service-catalog';
import type { GrpcLoadResult } from './grpc-load.js';
import type { Hop, HopLatencyMs, TrackingGaps } from './hop-accounting.js';
import type { ServiceEnv } from './service-env.js';
import type { Check } from './load-checks.js';
import type { CostFigures } from './pipeline-cost.js';
import { percentilesOf, type PipelineSampler } from './pipeline-sampler.js';

export interface LoadReport {
  scenario: string;
  startedAt: string;
  pass: boolean;
  machine: { cores: number; memoryGb: number; loadBefore: number[]; loadAfter: number[] };
  config: {
    streams: number;
    fps: number;
    source: string;
    durationS: number;
    warmupS: number;
    inferenceThreads: number;
    serviceEnv: ServiceEnv;
  };
  /** The measured window within the series (seconds since sampling began); verdicts and summary cover it only. */
  window: { fromS: number; toS: number };
  summary: {
    frames: { read: number; published: number; received: number; detected: number; tracked: number };
    dropRatio: number;
    errorRatio: number;
    latencyMs: { captureToDetections: Percentiles; captureToTracks: Percentiles; captureToIndexed: Percentiles };
    trackedFps: number;
    indexedDocs: number;
    /** Hop by hop: frames in, out, shed by reason, held, unaccounted (hop-accounting.ts). */
    hops: Hop[];
    /** p95 time spent in ingest (read → publish) and in inference (received → stored). */
    hopLatencyMs: HopLatencyMs;
    /** Sequences tracking released past without a frame: announced as shed, or given up on after a gap timeout. */
    trackingGaps: TrackingGaps;
  };
  /** What one frame cost the pipeline over the measured window (CPU by process, bus bytes, documents). */
  cost: CostFigures;
  checks: Check[];
  series: Array<{
    t: number;
    fps: { decoded: number; published: number; detected: number; tracked: number; indexedDocs: number };
    shedPerS: number;
    errorsPerS: number;
    latencyMs: { captureToDetections: Percentiles; captureToTracks: Percentiles; captureToIndexed: Percentiles };
    queues: Record<string, number>;
    rssMb: Partial<Record<ServiceName, number>>;
  }>;
  grpc?: GrpcLoadResult[];
}

export const machineNow = () => ({
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 1024 ** 3),
  load: loadavg().map((l) => Number(l.toFixed(2))),
});

/** Summary figures over the samples [from, to) of a run (scrape i + 1 ends sample i). */
export function summarise(sampler: PipelineSampler, from = 0, to = sampler.samples.length): LoadReport['summary'] {
  const totals = sampler.totalsBetween(from, to);
  const hops = sampler.hopsBetween(from, to);
  const lat = sampler.latencies(from, to);
  const seconds = sampler.samples.slice(from, to).reduce((s, x) => s + x.figures.intervalS, 0);
  return {
    frames: {
      read: totals.framesRead,
      published: totals.framesPublished,
      received: totals.framesReceived,
      detected: totals.framesDetected,
      tracked: totals.framesTracked,
    },
    dropRatio: totals.framesRead > 0 ? totals.framesShed / totals.framesRead : 0,
    errorRatio: totals.framesRead > 0 ? totals.errors / totals.framesRead : 0,
    latencyMs: {
      captureToDetections: percentilesOf(lat.detections),
      captureToTracks: percentilesOf(lat.tracks),
      captureToIndexed: totals.captureToIndexed,
    },
    trackedFps: seconds > 0 ? totals.framesTracked / seconds : 0,
    indexedDocs: totals.indexedDocs,
    hops: hops.hops,
    hopLatencyMs: hops.latencyMs,
    trackingGaps: hops.gaps,
  };
}

export function seriesOf(sampler: PipelineSampler): LoadReport['series'] {
  return sampler.samples.map((s) => ({
    t: Number(s.t.toFixed(2)),
    fps: s.figures.fps,
    shedPerS: s.figures.intervalS > 0 ? s.shed / s.figures.intervalS : 0,
    errorsPerS: s.figures.intervalS > 0 ? s.errors / s.figures.intervalS : 0,
    latencyMs: s.latencyMs,
    queues: s.figures.queues,
    rssMb: s.figures.rssMb,
  }));
}
