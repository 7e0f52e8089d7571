// The load report as one self-contained HTML file: verdicts, figures, and inline SVG charts of
// throughput, stage latency, drops, queues and memory over time (and the gRPC load, when run).
import { SERVICE_NAMES } from '@va/harness/pipeline/service-catalog';
import type { LoadReport } from './load-report.js';
import { lineChart, type Series } from './svg-chart.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function htmlReport(r: LoadReport): string {
  const shade = { from: r.window.fromS, to: r.window.toS };
  const series = (name: string, pick: (s: LoadReport['series'][number]) => number): Series => ({
    name,
    points: r.series.map((s) => [s.t, pick(s)]),
  });
  const charts = [
    lineChart({
      shade,
      title: 'Throughput per stage',
      unit: 'frames/s',
      series: [
        series('read (ingest)', (s) => s.fps.decoded),
        series('published', (s) => s.fps.published),
        series('detected', (s) => s.fps.detected),
        series('tracked', (s) => s.fps.tracked),
      ],
    }),
    lineChart({
      shade,
      title: 'Latency from capture, p95 per second',
      unit: 'ms',
      series: [
        series('→ detections', (s) => s.latencyMs.captureToDetections.p95),
        series('→ tracks', (s) => s.latencyMs.captureToTracks.p95),
        series('→ indexed', (s) => s.latencyMs.captureToIndexed.p95),
      ],
      threshold: { value: 200, label: 'objective: capture → tracks p95 < 200 ms' },
    }),
    lineChart({
      shade,
      title: 'Latency from capture, p50 per second',
      unit: 'ms',
      series: [
        series('→ detections', (s) => s.latencyMs.captureToDetections.p50),
        series('→ tracks', (s) => s.latencyMs.captureToTracks.p50),
        series('→ indexed', (s) => s.latencyMs.captureToIndexed.p50),
      ],
    }),
    lineChart({
      shade,
      title: 'Frames shed (counted) and errors',
      unit: 'per second',
      series: [series('shed', (s) => s.shedPerS), series('errors', (s) => s.errorsPerS)],
    }),
    lineChart({
      shade,
      title: 'Queues',
      unit: 'items',
      series: [
        'inference_frames_pending',
        'tracking_reorder_frames',
        'tracking_consumer_lag',
        'search_consumer_lag',
        'search_buffer_docs',
        'sanity_consumer_lag',
      ].map((q) => series(q, (s) => s.queues[q] ?? 0)),
    }),
    lineChart({
      shade,
      title: 'Resident memory per service',
      unit: 'MB',
      series: SERVICE_NAMES.map((n) => series(n, (s) => s.rssMb[n] ?? NaN)),
    }),
    lineChart({ shade, title: 'Indexing', unit: 'documents/s', series: [series('indexed', (s) => s.fps.indexedDocs)] }),
  ];
  for (const g of r.grpc ?? []) {
    charts.push(
      lineChart({
        title: `gRPC ${g.name}: ${g.concurrency} callers`,
        unit: 'per second / ms',
        series: [
          { name: 'ok/s', points: g.timeline.map((x) => [x.t, x.ok]) },
          { name: 'failed/s', points: g.timeline.map((x) => [x.t, x.failed]) },
          { name: 'p95 ms', points: g.timeline.map((x) => [x.t, x.p95Ms]) },
        ],
      }),
    );
  }
  const rows = (pairs: Array<[string, string]>) =>
    pairs.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : '–');
  const s = r.summary;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Load test: ${esc(r.scenario)}</title>
<style>body{font-family:sans-serif;margin:24px;max-width:1340px}table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:13px}
.pass{color:#16794a;font-weight:bold}.fail{color:#b3261e;font-weight:bold}.charts{display:flex;flex-wrap:wrap;gap:12px}</style></head><body>
<h1>Load test “${esc(r.scenario)}”: <span class="${r.pass ? 'pass' : 'fail'}">${r.pass ? 'PASS' : 'FAIL'}</span></h1>
<p>${esc(`${r.config.streams} streams × ${r.config.fps} fps (${r.config.source}) through the real pipeline, measured for ${r.config.durationS} s (from ${r.window.fromS.toFixed(0)} s to ${r.window.toS.toFixed(0)} s on the charts, after all streams ran and a ${r.config.warmupS} s warm-up; verdicts and figures cover that window); ${r.startedAt}; ${r.machine.cores} cores, load average ${r.machine.loadBefore.join(' / ')} before, ${r.machine.loadAfter.join(' / ')} after; ORT threads ${r.config.inferenceThreads}.`)}</p>
<h2>Verdicts</h2><table><tr><th>check</th><th>result</th><th>gating</th><th>detail</th></tr>${r.checks
    .map(
      (c) =>
        `<tr><td>${esc(c.name)}</td><td class="${c.pass ? 'pass' : 'fail'}">${c.pass ? 'pass' : 'fail'}</td><td>${c.gating ? 'yes' : 'reported'}</td><td>${esc(c.detail)}</td></tr>`,
    )
    .join('')}</table>
<h2>Figures</h2><table>${rows([
    [
      'frames read / published / received by inference / detected / tracked',
      `${s.frames.read} / ${s.frames.published} / ${s.frames.received} / ${s.frames.detected} / ${s.frames.tracked}`,
    ],
    ['drop ratio (shed ÷ read)', s.dropRatio.toFixed(4)],
    ['error ratio', s.errorRatio.toFixed(5)],
    [
      'capture → detections p50 / p95 / p99',
      `${ms(s.latencyMs.captureToDetections.p50)} / ${ms(s.latencyMs.captureToDetections.p95)} / ${ms(s.latencyMs.captureToDetections.p99)}`,
    ],
    [
      'capture → tracks p50 / p95 / p99',
      `${ms(s.latencyMs.captureToTracks.p50)} / ${ms(s.latencyMs.captureToTracks.p95)} / ${ms(s.latencyMs.captureToTracks.p99)}`,
    ],
    [
      'capture → indexed p50 / p95 / p99 (histogram)',
      `${ms(s.latencyMs.captureToIndexed.p50)} / ${ms(s.latencyMs.captureToIndexed.p95)} / ${ms(s.latencyMs.captureToIndexed.p99)}`,
    ],
    ['tracked frames/s (mean)', s.trackedFps.toFixed(2)],
    ['documents indexed', String(s.indexedDocs)],
    [
      'CPU ms per frame read, all pipeline processes',
      r.cost.cpu_ms_per_frame === null ? '–' : r.cost.cpu_ms_per_frame.toFixed(1),
    ],
    [
      'CPU ms per frame by process',
      Object.entries(r.cost.cpu_ms_per_frame_by_process)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ') + (r.cost.unmetered.length > 0 ? ` (not metered: ${r.cost.unmetered.join(', ')})` : ''),
    ],
    [
      'bus bytes per frame (nats-server in + out)',
      r.cost.bytes_per_frame_bus === null ? '–' : String(r.cost.bytes_per_frame_bus),
    ],
    ['Elasticsearch documents per frame', r.cost.es_docs_per_frame === null ? '–' : String(r.cost.es_docs_per_frame)],
    ...(r.grpc ?? []).map(
      (g) =>
        [
          `gRPC ${g.name}`,
          `${g.ok}/${g.requests} ok, ${g.throughput.toFixed(1)}/s, p50 ${ms(g.latencyMs.p50)}, p95 ${ms(g.latencyMs.p95)}, p99 ${ms(g.latencyMs.p99)}, errors ${JSON.stringify(g.errors)}`,
        ] as [string, string],
    ),
  ])}</table>
<h2>Over time</h2><div class="charts">${charts.join('\n')}</div></body></html>
`;
}
