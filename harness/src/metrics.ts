// One reader of a service's /metrics for every test: the Prometheus text parser the launcher, the
// demo and the load tests use (harness/src/pipeline/prometheus-text.ts).
import { MetricSet } from './pipeline/prometheus-text.js';

export { MetricSet };

export async function scrapeMetrics(httpPort: number): Promise<MetricSet> {
  return MetricSet.parse(await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text());
}

/** Sum of the samples of `name` whose labels include `labels` (0 when there are none). */
export async function metricValue(httpPort: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  return (await scrapeMetrics(httpPort)).sum(name, labels);
}
