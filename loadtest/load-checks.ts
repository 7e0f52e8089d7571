// The verdicts of a load run, from its samples: did every service stay up, did every queue stay
// within its bound, did memory stay flat, were frames shed and counted rather than lost, were
// errors rare, and was the latency objective met. Pure: samples in, checks out.
import type { ServiceName } from '@va/harness/pipeline/service-catalog';
import { SERVICE_NAMES } from '@va/harness/pipeline/service-catalog';
import { median } from '@va/harness/statistics';
import { describeHops, type Hop } from './hop-accounting.js';
import type { Sample } from './pipeline-sampler.js';

export interface Check {
  name: string;
  pass: boolean;
  /** Whether the scenario's verdict depends on it (others are reported for information). */
  gating: boolean;
  detail: string;
}

/** The in-process queue bounds: the services' defaults, which the load bed leaves alone. */
export function queueBounds(cameras: number): Record<string, number> {
  return {
    ingest_held_frames: cameras, // one-frame mailbox per stream
    // VA_INGEST_BUS_MAX_PENDING_BYTES (16 MiB); the gate closes once above it, so one frame (0.52 MB at 416×416 RGB) may pass.
    ingest_bus_pending_mb: 16.78 + 0.52,
    inference_frames_pending: 256, // VA_INFERENCE_MAX_PENDING_FRAMES
    tracking_reorder_frames: 16 * cameras, // VA_TRACKING_REORDER_WINDOW per camera
    search_buffer_docs: 20_000, // VA_SEARCH_BUFFER_MAX_DOCS
    ingest_frame_ring_mb: 268.5, // VA_INGEST_FRAME_RING_MAX_MB 256 MiB (evidence frames; sanity-check keeps none)
  };
}
/** Seconds of publishing that may fall between scraping ingest and scraping inference at a window edge. */
const EDGE_SKEW_S = 0.5;
/** p95 capture → tracks of the frames that were tracked: the objective at normal load, and the bound on staleness at 10× (frames beyond capacity are shed, survivors stay fresh). */
export const CAPTURE_TO_TRACKS_P95_MS = { normal: 200, '10x': 500 } as const;
const LAG_QUEUES = ['tracking_consumer_lag', 'search_consumer_lag', 'sanity_consumer_lag'];

const thirds = <T>(xs: T[]): [T[], T[], T[]] => {
  const n = Math.floor(xs.length / 3);
  return [xs.slice(0, n), xs.slice(n, 2 * n), xs.slice(2 * n)];
};
const finiteMedian = (xs: number[]) => median(xs.filter(Number.isFinite));
const max = (xs: number[]) => xs.reduce((m, x) => (Number.isFinite(x) ? Math.max(m, x) : m), 0);

export interface RunTotals {
  framesRead: number;
  framesPublished: number;
  framesReceived: number;
  framesShed: number;
  errors: number;
}

export function loadChecks(input: {
  scenario: 'normal' | '10x';
  cameras: number;
  samples: Sample[];
  totals: RunTotals;
  crashes: Array<{ service: ServiceName; code: number }>;
  readyAtEnd: Record<ServiceName, boolean>;
  p95CaptureToTracksMs: number;
  /** nats-server's slow-consumer events during the run (messages it dropped for a lagging reader). */
  natsSlowConsumers: number;
  /** Where frames went, hop by hop (hop-accounting.ts); absent: not checked. */
  hops?: Hop[];
}): Check[] {
  const { samples, totals, scenario } = input;
  const overload = scenario === '10x';
  const checks: Check[] = [];

  const notReady = SERVICE_NAMES.filter((n) => !input.readyAtEnd[n]);
  const deadAtSomePoint = SERVICE_NAMES.filter((n) => samples.some((s) => !s.alive[n]));
  checks.push({
    name: 'no service fell over',
    gating: true,
    pass: input.crashes.length === 0 && notReady.length === 0 && deadAtSomePoint.length === 0,
    detail:
      input.crashes.length > 0 || notReady.length > 0
        ? `crashed: ${input.crashes.map((c) => `${c.service} (exit ${c.code})`).join(', ') || 'none'}; not ready at the end: ${notReady.join(', ') || 'none'}`
        : 'all five processes ran throughout and answered /readyz 200 at the end',
  });

  const bounds = queueBounds(input.cameras);
  const over = Object.entries(bounds)
    .map(([q, bound]) => ({ q, bound, seen: max(samples.map((s) => s.figures.queues[q] ?? 0)) }))
    .filter((x) => x.seen > x.bound);
  const [, middle, last] = thirds(samples);
  // A consumer falling behind shows as lag that keeps climbing: its median in the last third well
  // above the middle third's (more than 50 messages and 25 %). Comparing maxima would miss a steady
  // climb (the last third's maximum of a linear climb is only 1.5x the middle's).
  const growing = LAG_QUEUES.map((q) => ({
    q,
    middle: finiteMedian(middle.map((s) => s.figures.queues[q] ?? 0)),
    last: finiteMedian(last.map((s) => s.figures.queues[q] ?? 0)),
  })).filter((x) => x.last > x.middle + 50 && x.last > 1.25 * x.middle);
  const maxima = [...Object.keys(bounds), ...LAG_QUEUES].map(
    (q) => `${q} ${max(samples.map((s) => s.figures.queues[q] ?? 0)).toFixed(q.endsWith('_mb') ? 1 : 0)}`,
  );
  checks.push({
    name: 'queues stay bounded',
    gating: true,
    pass: over.length === 0 && growing.length === 0,
    detail:
      over.length + growing.length > 0
        ? `over their bound: ${over.map((x) => `${x.q} ${x.seen} > ${x.bound}`).join(', ') || 'none'}; JetStream consumer lag still growing (median middle third → last third): ${growing.map((x) => `${x.q} ${x.middle} → ${x.last}`).join(', ') || 'none'}`
        : `maxima: ${maxima.join(', ')} (in-process queues within their configured bounds; consumer lag not growing in the last third)`,
  });

  // Warm-up (the first third: model sessions, JIT, pools, Elasticsearch caches) is left out.
  const rss = SERVICE_NAMES.map((n) => {
    const mid = finiteMedian(middle.map((s) => s.figures.rssMb[n] ?? NaN));
    const end = finiteMedian(last.map((s) => s.figures.rssMb[n] ?? NaN));
    return { n, mid, end, grew: end > mid * 1.15 + 20 };
  });
  checks.push({
    name: 'memory stays flat',
    gating: true,
    pass: samples.length >= 6 && rss.every((r) => !r.grew),
    detail: `median RSS middle third → last third (MB): ${rss.map((r) => `${r.n} ${r.mid.toFixed(0)} → ${r.end.toFixed(0)}${r.grew ? ' GREW' : ''}`).join(', ')}; limit +15 % + 20 MB`,
  });

  // Frames are shed on purpose (counted by reason) or not at all. On core NATS the server is the
  // one place a frame between a live publisher and a live subscriber can vanish (slow-consumer
  // drops), so any such event fails. Published − received over the window is checked too, with an
  // allowance for frames in flight at the window's edges: the services are scraped one after the
  // other and a busy one answers /metrics late, so up to EDGE_SKEW_S of publishing can fall between.
  const windowS = samples.length > 1 ? (samples.at(-1) as Sample).t - (samples[0] as Sample).t : 0;
  const inFlight = windowS > 0 ? Math.ceil((totals.framesPublished / windowS) * EDGE_SKEW_S) : 0;
  const uncounted = Math.max(0, totals.framesPublished - totals.framesReceived);
  const limit = Math.floor(totals.framesPublished * 0.01) + inFlight;
  checks.push({
    name: 'overload is shed as counted drops',
    gating: overload,
    pass: (overload ? totals.framesShed > 0 : true) && input.natsSlowConsumers === 0 && uncounted <= limit,
    detail: `${totals.framesShed} of ${totals.framesRead} frames shed and counted (${pct(totals.framesShed, totals.framesRead)}); ${uncounted} published but not received by inference in the window (${pct(uncounted, totals.framesPublished)}; limit ${limit}: 1 % + ${inFlight} in flight at the edges); nats-server slow-consumer events: ${input.natsSlowConsumers} (limit 0)`,
  });

  // Each hop's frames add up: in = out + shed (by reason) + growth of what it holds. What does not
  // add up beyond the frames that may be in flight between two scrapes was lost uncounted there.
  if (input.hops) {
    // Frames in flight between two scrapes, either way, plus a few a service holds where no gauge shows (a JetStream pull batch, a JPEG encode).
    const edge = (h: Hop) =>
      (windowS > 0 ? Math.ceil((Math.max(h.in, h.out) / windowS) * EDGE_SKEW_S) : 0) +
      (h.name === 'bus' ? Math.floor(h.in * 0.01) : 0) +
      4;
    const off = input.hops.filter((h) => Math.abs(h.unaccounted) > edge(h));
    checks.push({
      name: 'every hop accounts for its frames',
      gating: true,
      pass: off.length === 0,
      detail: `${off.length > 0 ? `does not add up at ${off.map((h) => `${h.name} (${h.unaccounted} unaccounted, allowance ${edge(h)})`).join(', ')}: ` : ''}${describeHops(input.hops)}`,
    });
  }

  const errorRatio = totals.framesRead > 0 ? totals.errors / totals.framesRead : 0;
  checks.push({
    name: 'errors under 0.1 %',
    gating: true,
    pass: errorRatio < 0.001,
    detail: `${totals.errors} data-path errors for ${totals.framesRead} frames (${pct(totals.errors, totals.framesRead)})`,
  });

  const objective = CAPTURE_TO_TRACKS_P95_MS[scenario];
  checks.push({
    name: `capture → tracks p95 under ${objective} ms`,
    gating: true,
    pass: input.p95CaptureToTracksMs < objective,
    detail: `p95 ${Math.round(input.p95CaptureToTracksMs)} ms over every tracked frame${overload ? ' (the frames that were processed: under overload the rest is shed, and the survivors must stay fresh)' : ''}`,
  });
  return checks;
}

const pct = (a: number, b: number) => `${b > 0 ? ((100 * a) / b).toFixed(2) : '0.00'} %`;
