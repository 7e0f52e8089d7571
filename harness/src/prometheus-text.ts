// Reading a service's /metrics (Prometheus text format 0.0.4) without a Prometheus server: the one
// reader of the demo's summary, the load-test sampler, the end-to-end checks and every test that
// reads the counters the services export.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL))
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

export interface Histogram {
  /** Cumulative counts by upper bound, ascending, +Inf last. */
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
}

/** The samples of one scrape, with the sums and histograms the reports need. */
export class MetricSet {
  constructor(readonly samples: Sample[]) {}

  static parse(text: string): MetricSet {
    return new MetricSet(parsePrometheusText(text));
  }

  /** Samples of `name` whose labels include `labels`. */
  select(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  sum(name: string, labels: Record<string, string> = {}): number {
    return this.select(name, labels).reduce((total, s) => total + s.value, 0);
  }

  max(name: string, labels: Record<string, string> = {}): number {
    return this.select(name, labels).reduce((m, s) => Math.max(m, s.value), 0);
  }

  /** Sums of `name` grouped by one label's values. */
  by(name: string, label: string, labels: Record<string, string> = {}): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.select(name, labels)) {
      const key = s.labels[label] ?? '';
      out.set(key, (out.get(key) ?? 0) + s.value);
    }
    return out;
  }

  /** A histogram summed over every label set matching `labels`. */
  histogram(name: string, labels: Record<string, string> = {}): Histogram {
    const byLe = new Map<number, number>();
    for (const s of this.select(`${name}_bucket`, labels)) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      byLe.set(le, (byLe.get(le) ?? 0) + s.value);
    }
    const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
    return { buckets, sum: this.sum(`${name}_sum`, labels), count: this.sum(`${name}_count`, labels) };
  }
}

/** What a histogram gained between two scrapes (counter resets read as a fresh start). */
export function histogramDelta(later: Histogram, earlier: Histogram | undefined): Histogram {
  if (!earlier || later.count < earlier.count) return later;
  const before = new Map(earlier.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: later.buckets.map((b) => ({ le: b.le, count: b.count - (before.get(b.le) ?? 0) })),
    sum: later.sum - earlier.sum,
    count: later.count - earlier.count,
  };
}

/**
 * The q-quantile of a histogram the way PromQL's histogram_quantile computes it: linear
 * interpolation inside the bucket that holds the rank; the upper bound of the last finite bucket
 * when the rank falls in +Inf. NaN for an empty histogram.
 */
export function histogramQuantile(q: number, h: Histogram): number {
  const total = h.buckets.at(-1)?.count ?? 0;
  if (total <= 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket <= 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** One scrape of http://127.0.0.1:<httpPort>/metrics. */
export async function scrapeMetrics(httpPort: number): Promise<MetricSet> {
  return MetricSet.parse(await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text());
}

/** Sum of the samples of `name` whose labels include `labels` (0 when there are none). */
export async function metricValue(
  httpPort: number,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  return (await scrapeMetrics(httpPort)).sum(name, labels);
}
