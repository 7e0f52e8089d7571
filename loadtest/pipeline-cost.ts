// What one frame costs the whole pipeline, read at a window's start and end: CPU time of every
// pipeline process (the five services with their children such as ffmpeg, the run's nats-server,
// Elasticsearch), bytes through nats-server and Elasticsearch documents indexed, each ÷ the frames
// ingest read in the window. The e2e benchmark and the load tests report the same figures.
//
// Elasticsearch is the shared local node, so its CPU includes whatever else uses it meanwhile
// (other test runs on the machine); its documents are counted under the run's index prefix only.
// The bus bytes include the measuring tap's copies of detections, tracks, events and flags.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@va/harness/shared';
import { pidListeningOn, ProcessCpuMeter, type CpuReading, type CpuRoots } from '@va/harness/pipeline/process-cpu';
import { MetricSet } from '@va/harness/prometheus-text';
import { SERVICE_NAMES } from '@va/harness/pipeline/service-catalog';
import type { WholePipeline } from '@va/harness/whole-pipeline';

export interface CostReading {
  cpu: CpuReading;
  framesRead: number;
  /** nats-server /varz in_bytes and out_bytes; undefined when the monitor did not answer. */
  bus?: { in: number; out: number };
  /** Index operations on the run's indices (primaries); undefined when Elasticsearch did not answer. */
  esDocs?: number;
}

export interface CostFigures {
  frames_read: number;
  window_s: number;
  /** CPU ms of every metered process ÷ frames read; null without frames. */
  cpu_ms_per_frame: number | null;
  cpu_ms_per_frame_by_process: Record<string, number>;
  /** CPU ms of each process tree over the whole window (frames or not). */
  cpu_ms_by_process: Record<string, number>;
  /** nats-server bytes in + out ÷ frames read. */
  bytes_per_frame_bus: number | null;
  bytes_per_frame_bus_by_direction: { in: number; out: number } | null;
  es_docs_per_frame: number | null;
  /** Pipeline processes whose CPU could not be read (e.g. a remote Elasticsearch). */
  unmetered: string[];
}

/** Elasticsearch's pid: the local stack's pid file, else whoever listens on the URL's port on this machine. */
function localElasticsearchPid(esUrl: string): number | undefined {
  const pidFile = join(REPO_ROOT, '.stack', 'run', 'elasticsearch.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && existsSync(`/proc/${pid}`)) return pid;
  }
  const url = new URL(esUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return undefined;
  return pidListeningOn(Number(url.port || 9200));
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

export class PipelineCostMeter {
  private constructor(
    private readonly w: WholePipeline,
    private readonly cpu: ProcessCpuMeter,
    readonly unmetered: string[],
  ) {}

  static open(w: WholePipeline): PipelineCostMeter {
    const roots: CpuRoots = {};
    for (const name of SERVICE_NAMES) {
      roots[name] = () => {
        const p = w.pipeline.service(name);
        return p.running ? p.pid : undefined;
      };
    }
    roots['nats-server'] = () => w.nats.pid;
    const esPid = localElasticsearchPid(w.pipeline.settings.esUrl);
    if (esPid !== undefined) roots.elasticsearch = () => esPid;
    return new PipelineCostMeter(w, new ProcessCpuMeter(roots), esPid === undefined ? ['elasticsearch'] : []);
  }

  async read(): Promise<CostReading> {
    const [ingest, bus, esDocs] = await Promise.all([
      fetch(this.w.pipeline.httpUrl('ingest'), { signal: AbortSignal.timeout(5_000) }).then(async (r) =>
        MetricSet.parse(await r.text()),
      ),
      fetch(`${this.w.nats.monitorUrl}/varz`, { signal: AbortSignal.timeout(5_000) })
        .then(async (r) => (await r.json()) as { in_bytes: number; out_bytes: number })
        .then((v) => ({ in: v.in_bytes, out: v.out_bytes }))
        .catch(() => undefined),
      this.w.es.indices
        .stats({ index: `${this.w.prefix}-*`, metric: 'indexing' })
        .then((s) => s._all.primaries?.indexing?.index_total ?? 0)
        .catch(() => undefined),
    ]);
    // CPU last, closest to the counters' moment (the fetches above cost the pipeline a little CPU too).
    return {
      cpu: this.cpu.read(),
      framesRead: ingest.sum('va_ingest_frames_read_total'),
      ...(bus ? { bus } : {}),
      ...(esDocs !== undefined ? { esDocs } : {}),
    };
  }

  between(a: CostReading, b: CostReading): CostFigures {
    return costBetween(a, b, this.unmetered);
  }
}

/** The per-frame figures between two readings (pure, for tests). */
export function costBetween(a: CostReading, b: CostReading, unmetered: string[] = [], ticksPerS?: number): CostFigures {
  const frames = b.framesRead - a.framesRead;
  const perFrame = (x: number, digits = 2) => (frames > 0 ? round(x / frames, digits) : null);
  const cpuMs = ProcessCpuMeter.cpuMsBetween(a.cpu, b.cpu, ticksPerS);
  const byProcess = Object.fromEntries(
    Object.entries(cpuMs).map(([name, ms]) => [name, frames > 0 ? round(ms / frames, 2) : 0]),
  );
  const busIn = a.bus && b.bus ? b.bus.in - a.bus.in : undefined;
  const busOut = a.bus && b.bus ? b.bus.out - a.bus.out : undefined;
  return {
    frames_read: frames,
    window_s: round((b.cpu.atMs - a.cpu.atMs) / 1000, 2),
    cpu_ms_per_frame: perFrame(
      Object.values(cpuMs).reduce((s, x) => s + x, 0),
      1,
    ),
    cpu_ms_per_frame_by_process: byProcess,
    cpu_ms_by_process: Object.fromEntries(Object.entries(cpuMs).map(([name, ms]) => [name, Math.round(ms)])),
    bytes_per_frame_bus: busIn !== undefined && busOut !== undefined ? perFrame(busIn + busOut, 0) : null,
    bytes_per_frame_bus_by_direction:
      busIn !== undefined && busOut !== undefined && frames > 0
        ? { in: round(busIn / frames, 0), out: round(busOut / frames, 0) }
        : null,
    es_docs_per_frame: a.esDocs !== undefined && b.esDocs !== undefined ? perFrame(b.esDocs - a.esDocs, 3) : null,
    unmetered,
  };
}
