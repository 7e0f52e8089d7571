// Samples a running pipeline once per interval while load runs: throughput per stage, shed frames
// and errors, latency percentiles per stage, queue depths and each service process's resident
// memory. Stage latencies up to tracks come from the messages' own timestamps (exact); capture →
// indexed from embedding-search's histogram (bucket-interpolated, the service alone knows when
// Elasticsearch accepted a document).
import { BusTap } from '@va/harness/pipeline/bus-tap';
import { quantile } from '@va/harness/statistics';
import type { Pipeline } from '@va/harness/pipeline/pipeline-launcher';
import {
  scrapePipeline,
  stageFigures,
  type PipelineScrape,
  type StageFigures,
  type Percentiles,
} from '@va/harness/pipeline/pipeline-scrape';
import { SERVICE_NAMES, type ServiceName } from '@va/harness/pipeline/service-catalog';
import {
  hopAccounting,
  hopLatency,
  trackingGaps,
  type Hop,
  type HopLatencyMs,
  type TrackingGaps,
} from './hop-accounting.js';

export interface Sample {
  /** Seconds since the sampler started. */
  t: number;
  figures: StageFigures;
  /** Frames shed and data-path errors during the interval. */
  shed: number;
  errors: number;
  framesRead: number;
  latencyMs: { captureToDetections: Percentiles; captureToTracks: Percentiles; captureToIndexed: Percentiles };
  alive: Record<ServiceName, boolean>;
}

export function percentilesOf(values: number[]): Percentiles {
  return { p50: quantile(values, 0.5), p95: quantile(values, 0.95), p99: quantile(values, 0.99), count: values.length };
}

export class PipelineSampler {
  readonly samples: Sample[] = [];
  /** Raw message latencies per sample, for percentiles over any window (not written to reports). */
  private readonly raw: Array<{ detections: number[]; tracks: number[] }> = [];
  private scrapes: PipelineScrape[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> = Promise.resolve();
  private startedMs = 0;

  private constructor(
    private readonly pipeline: Pipeline,
    private readonly tap: BusTap,
    private readonly intervalMs: number,
  ) {}

  static async start(pipeline: Pipeline, intervalMs = 1_000): Promise<PipelineSampler> {
    const sampler = new PipelineSampler(
      pipeline,
      await BusTap.open(pipeline.settings.natsUrl, pipeline.settings.natsCredentialsDir),
      intervalMs,
    );
    sampler.startedMs = Date.now();
    sampler.scrapes.push(await scrapePipeline(pipeline));
    sampler.timer = setInterval(() => {
      sampler.busy = sampler.busy.then(() => sampler.sample());
    }, intervalMs);
    return sampler;
  }

  get scrapeCount(): number {
    return this.scrapes.length;
  }

  private async sample(): Promise<void> {
    const scrape = await scrapePipeline(this.pipeline);
    const prev = this.scrapes.at(-1) as PipelineScrape;
    this.scrapes.push(scrape);
    const figures = stageFigures(scrape, prev);
    const before = stageFigures(prev);
    const detections = this.tap.captureToDetections.takeWindow();
    const tracks = this.tap.captureToTracks.takeWindow();
    this.raw.push({ detections, tracks });
    this.samples.push({
      t: (scrape.atMs - this.startedMs) / 1000,
      figures,
      shed: Math.max(0, figures.totals.framesShed - before.totals.framesShed),
      errors: Math.max(0, figures.totals.errors - before.totals.errors),
      framesRead: Math.max(0, figures.totals.framesRead - before.totals.framesRead),
      latencyMs: {
        captureToDetections: percentilesOf(detections),
        captureToTracks: percentilesOf(tracks),
        captureToIndexed: figures.latencyMs.captureToIndexed,
      },
      alive: Object.fromEntries(SERVICE_NAMES.map((n) => [n, this.pipeline.service(n).running])) as Record<
        ServiceName,
        boolean
      >,
    });
  }

  /** Message latencies of samples [from, to) (indexes into `samples`). */
  latencies(from = 0, to = this.samples.length): { detections: number[]; tracks: number[] } {
    const window = this.raw.slice(from, to);
    return { detections: window.flatMap((w) => w.detections), tracks: window.flatMap((w) => w.tracks) };
  }

  /** Totals gained between two scrapes (0 = the first, before any sample). */
  totalsBetween(
    fromScrape = 0,
    toScrape = this.scrapes.length - 1,
  ): StageFigures['totals'] & { captureToIndexed: Percentiles } {
    const a = this.scrapes[fromScrape] as PipelineScrape;
    const b = this.scrapes[toScrape] as PipelineScrape;
    const fa = stageFigures(a);
    const fb = stageFigures(b, a);
    const d = (
      k:
        | 'framesRead'
        | 'framesPublished'
        | 'framesReceived'
        | 'framesDetected'
        | 'framesTracked'
        | 'detections'
        | 'tracksStarted'
        | 'indexedDocs'
        | 'framesShed'
        | 'errors',
    ) => fb.totals[k] - fa.totals[k];
    return {
      framesRead: d('framesRead'),
      framesPublished: d('framesPublished'),
      framesReceived: d('framesReceived'),
      framesDetected: d('framesDetected'),
      framesTracked: d('framesTracked'),
      detections: d('detections'),
      tracksStarted: d('tracksStarted'),
      activeTracks: fb.totals.activeTracks,
      flags: fb.totals.flags.map((n, i) => n - (fa.totals.flags[i] ?? 0)) as [number, number, number],
      indexedDocs: d('indexedDocs'),
      framesShed: d('framesShed'),
      errors: d('errors'),
      captureToIndexed: fb.latencyMs.captureToIndexed,
    };
  }

  /** Where frames went, hop by hop, between two scrapes (as totalsBetween). */
  hopsBetween(
    fromScrape = 0,
    toScrape = this.scrapes.length - 1,
  ): { hops: Hop[]; latencyMs: HopLatencyMs; gaps: TrackingGaps } {
    const a = this.scrapes[fromScrape] as PipelineScrape;
    const b = this.scrapes[toScrape] as PipelineScrape;
    return { hops: hopAccounting(a, b), latencyMs: hopLatency(a, b), gaps: trackingGaps(a, b) };
  }

  /** Stops sampling and closes the bus tap; safe to call again (a caller's `finally` after an error). */
  async stop(): Promise<void> {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.busy;
    await this.tap.close();
  }
}
