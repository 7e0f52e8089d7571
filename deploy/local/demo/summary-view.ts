// The demo's live summary: a few lines per refresh, rendered from the services' metrics and the
// bus tap. Pure: figures in, lines out.
import type { CameraActivity } from '@va/harness/pipeline/bus-tap';
import type { MetricSet } from '@va/harness/prometheus-text';
import type { StageFigures } from '@va/harness/pipeline/pipeline-scrape';

export interface SummaryInput {
  uptimeS: number;
  figures: StageFigures;
  /** Per camera, now and at the previous refresh (for rates). */
  cameras: Map<string, CameraActivity>;
  previous: Map<string, CameraActivity>;
  ingest: MetricSet | undefined;
  inference: MetricSet | undefined;
  /** Message latencies (ms) since the previous refresh. */
  captureToDetectionsMs: number[];
  captureToTracksMs: number[];
  p95: (values: number[]) => number;
}

const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : '–');
const pad = (s: string | number, n: number) => String(s).padEnd(n);
const lpad = (s: string | number, n: number) => String(s).padStart(n);
const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

export function renderSummary(i: SummaryInput): string[] {
  const f = i.figures;
  const state = (camera: string) =>
    i.ingest?.select('va_ingest_stream_state', { camera }).find((s) => s.value === 1)?.labels.state ?? '–';
  const perCamera = (m: MetricSet | undefined, name: string, camera: string) => m?.sum(name, { camera }) ?? 0;
  const names = [
    ...new Set([...i.cameras.keys(), ...(i.ingest?.by('va_ingest_frames_read_total', 'camera').keys() ?? [])]),
  ].sort();
  const width = Math.max(16, ...names.map((n) => n.length)) + 2;
  const lines = [
    `live summary · up ${clock(i.uptimeS)} · ${f.streams.running}/${f.streams.total} streams running`,
    `${pad('camera', width)}${pad('state', 10)}${lpad('fps in/out', 11)}${lpad('det/s', 8)}${lpad('active', 8)}${lpad('tracks', 8)}${lpad('flags 1/2/3', 13)}${lpad('dropped', 9)}`,
  ];
  for (const name of names) {
    const c = i.cameras.get(name);
    const before = i.previous.get(name);
    const detPerS = f.intervalS > 0 && c ? (c.detections - (before?.detections ?? 0)) / f.intervalS : 0;
    const fpsIn = perCamera(i.ingest, 'va_ingest_decode_fps', name);
    const fpsOut = perCamera(i.ingest, 'va_ingest_publish_fps', name);
    const dropped =
      perCamera(i.ingest, 'va_ingest_frames_dropped_total', name) +
      perCamera(i.inference, 'va_inference_frames_dropped_total', name);
    lines.push(
      `${pad(name, width)}${pad(state(name), 10)}${lpad(`${fpsIn.toFixed(1)}/${fpsOut.toFixed(1)}`, 11)}${lpad(detPerS.toFixed(1), 8)}` +
        `${lpad(c?.activeTracks ?? 0, 8)}${lpad(c?.tracksStarted ?? 0, 8)}${lpad((c?.flags ?? [0, 0, 0]).join('/'), 13)}${lpad(dropped, 9)}`,
    );
  }
  const t = f.totals;
  lines.push(
    `frames ${t.framesRead} read → ${t.framesDetected} detected → ${t.framesTracked} tracked · ${t.detections} detections · ${t.tracksStarted} tracks · ${t.activeTracks} active`,
    `capture→detections p95 ${ms(i.p95(i.captureToDetectionsMs))} · →tracks p95 ${ms(i.p95(i.captureToTracksMs))} · →indexed p95 ${ms(f.latencyMs.captureToIndexed.p95)} (last ${Math.round(f.intervalS)} s)`,
    `indexed ${t.indexedDocs} documents (${f.fps.indexedDocs.toFixed(0)}/s) · flags ${t.flags.join('/')} by severity · shed ${t.framesShed} frames${shedDetail(f)} · errors ${t.errors}`,
  );
  const example = [...i.cameras.entries()].find(([, c]) => c.exampleTrack);
  if (example) lines.push(`try: npm run search -- --similar-to ${example[0]}/${example[1].exampleTrack?.trackId}`);
  return lines;
}

function shedDetail(f: StageFigures): string {
  const parts = Object.entries(f.shedByReason).map(([reason, n]) => `${reason} ${n}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/**
 * Writes a block of lines, replacing the previous block on a terminal (cursor up, clear to the
 * end of the screen); elsewhere (a pipe, a log file) each block is appended after a blank line.
 */
export class InPlaceWriter {
  private previousLines = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  write(lines: string[]): void {
    if (this.out.isTTY) {
      const columns = this.out.columns || 120;
      const clipped = lines.map((l) => (l.length > columns ? `${l.slice(0, columns - 1)}…` : l));
      const rewind = this.previousLines > 0 ? `\x1b[${this.previousLines}F\x1b[J` : '';
      this.out.write(`${rewind}${clipped.join('\n')}\n`);
      this.previousLines = clipped.length;
    } else {
      this.out.write(`\n${lines.join('\n')}\n`);
    }
  }

  /** The next block starts below the current one (after a message was printed). */
  detach(): void {
    this.previousLines = 0;
  }
}
