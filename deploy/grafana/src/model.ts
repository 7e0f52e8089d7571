/**
 * The dashboards as data: each panel lists its PromQL queries, and a query that may return nothing
 * on a healthy pipeline says why (`emptyWhen`). build.ts turns them into Grafana's JSON model
 * (deploy/grafana/dashboards/*.json); the observability tests read the same definitions.
 */
export interface Query {
  expr: string;
  legend?: string;
  /** Why this query may legitimately return nothing (e.g. "no frame was dropped"); absent: it must return data. */
  emptyWhen?: string;
}

export type PanelKind = 'timeseries' | 'stat' | 'gauge' | 'heatmap' | 'bargauge';

export interface Panel {
  title: string;
  description: string;
  kind?: PanelKind;
  unit?: string;
  queries: Query[];
  /** Grid width in 24ths (default 12). */
  width?: number;
  /** Stat/gauge thresholds: [value, colour] steps above the base green. */
  thresholds?: Array<[number, string]>;
  max?: number;
  stack?: boolean;
}

export interface Row {
  row: string;
  panels: Panel[];
}

export interface Variable {
  name: string;
  label: string;
  /** label_values(...) query. */
  query: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  /** File name under deploy/grafana/dashboards. */
  file: string;
  variables?: Variable[];
  rows: Row[];
}

/** histogram_quantile over a histogram's rate, summed by `by` (le is added). */
export function quantile(q: number, histogram: string, selector = '', by: string[] = []): string {
  const labels = ['le', ...by].join(', ');
  return `histogram_quantile(${q}, sum by (${labels}) (rate(${histogram}_bucket${selector}[$__rate_interval])))`;
}

/** sum by (labels) (rate(counter[$__rate_interval])). */
export function rate(counter: string, by: string[] = [], selector = ''): string {
  const inner = `rate(${counter}${selector}[$__rate_interval])`;
  return by.length > 0 ? `sum by (${by.join(', ')}) (${inner})` : `sum(${inner})`;
}

/** The average of a histogram per `by`: rate(sum) / rate(count). */
export function mean(histogram: string, by: string[] = [], selector = ''): string {
  return `${rate(`${histogram}_sum`, by, selector)} / ${rate(`${histogram}_count`, by, selector)}`;
}

export const SERVICE_JOBS = 'ingest|batching-inference|tracking|embedding-search|sanity-check';

/** Why GPU panels are empty on CPU-only hosts. */
export const NO_GPU = 'the host has no NVIDIA GPU (nvidia-smi absent): inference exports no GPU memory';
