// A small closed-loop gRPC load generator: `concurrency` callers each send the next request as soon
// as the previous one answered, until `maxRequests` were sent or `durationMs` passed, whichever
// comes first. Every request's latency and status is kept; the result has percentiles, throughput,
// status counts and a per-second timeline.
import { statusName } from '@va/common';
import { quantile } from '@va/harness/statistics';

export interface GrpcLoadOptions {
  name: string;
  /** One request; rejects with a gRPC error (a `code`) on failure. */
  call: () => Promise<unknown>;
  concurrency: number;
  maxRequests: number;
  durationMs: number;
}

export interface GrpcLoadResult {
  name: string;
  concurrency: number;
  requests: number;
  ok: number;
  /** Failed requests by gRPC status name. */
  errors: Record<string, number>;
  errorRatio: number;
  durationS: number;
  /** Successful requests per second. */
  throughput: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  timeline: Array<{ t: number; ok: number; failed: number; p95Ms: number }>;
}

export async function runGrpcLoad(o: GrpcLoadOptions): Promise<GrpcLoadResult> {
  const started = performance.now();
  const deadline = started + o.durationMs;
  const records: Array<{ at: number; ms: number; status: string }> = [];
  let sent = 0;
  const caller = async () => {
    while (sent < o.maxRequests && performance.now() < deadline) {
      sent++;
      const t0 = performance.now();
      let status = 'OK';
      try {
        await o.call();
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        status = typeof code === 'number' ? statusName(code) : 'CLIENT_ERROR';
      }
      const t1 = performance.now();
      records.push({ at: (t1 - started) / 1000, ms: t1 - t0, status });
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, caller));
  const durationS = (performance.now() - started) / 1000;
  const ok = records.filter((r) => r.status === 'OK');
  const errors: Record<string, number> = {};
  for (const r of records) if (r.status !== 'OK') errors[r.status] = (errors[r.status] ?? 0) + 1;
  const okMs = ok.map((r) => r.ms);
  const timeline: GrpcLoadResult['timeline'] = [];
  for (let s = 0; s < Math.ceil(durationS); s++) {
    const inSecond = records.filter((r) => r.at >= s && r.at < s + 1);
    const okHere = inSecond.filter((r) => r.status === 'OK');
    timeline.push({
      t: s + 1,
      ok: okHere.length,
      failed: inSecond.length - okHere.length,
      p95Ms: quantile(
        okHere.map((r) => r.ms),
        0.95,
      ),
    });
  }
  return {
    name: o.name,
    concurrency: o.concurrency,
    requests: records.length,
    ok: ok.length,
    errors,
    errorRatio: records.length > 0 ? (records.length - ok.length) / records.length : 0,
    durationS,
    throughput: ok.length / durationS,
    latencyMs: {
      p50: quantile(okMs, 0.5),
      p95: quantile(okMs, 0.95),
      p99: quantile(okMs, 0.99),
      max: okMs.length ? Math.max(...okMs) : NaN,
    },
    timeline,
  };
}
