import type { TrackUpdate } from '@va/proto/va/common/v1/track';
import { cameraFinding, type Finding, type Measurement, type SanityRule } from './rule.js';

export interface LatencySloOptions {
  /** The objective: capture -> tracks at the quantile below stays under this (DESIGN.md: p95 < 200 ms). */
  sloMs: number;
  quantile: number;
  /** Latest track updates the quantile is taken over. */
  window: number;
  /** Recompute every this many updates, once the window is full. */
  evalEvery: number;
}

/**
 * Capture -> tracks latency over the latest track updates of every camera together: the pipeline's
 * latency, one per rule registry, shared by the per-camera LatencySloRule instances. A breach is the
 * pipeline's (inference or tracking falling behind), so it is flagged once for all cameras, on the
 * camera whose update showed it, until the quantile is back under the objective.
 */
export class PipelineLatency {
  private readonly total: Float64Array;
  private readonly detect: Float64Array;
  private readonly cameras = new Set<string>();
  private count = 0;
  private next = 0;
  private sinceEval = 0;
  private current = 0;
  private breached = false;

  constructor(private readonly options: LatencySloOptions) {
    this.total = new Float64Array(options.window);
    this.detect = new Float64Array(options.window);
  }

  get quantileMs(): number | undefined {
    return this.count < this.options.window ? undefined : this.current;
  }

  observe(update: TrackUpdate): Finding[] {
    if (update.captureTsMs <= 0 || update.trackedTsMs <= 0) return [];
    const total = update.trackedTsMs - update.captureTsMs;
    if (total < 0) return [];
    const detect = update.detectedTsMs > 0 ? Math.max(0, update.detectedTsMs - update.captureTsMs) : 0;
    this.total[this.next] = total;
    this.detect[this.next] = detect;
    this.next = (this.next + 1) % this.options.window;
    this.count = Math.min(this.count + 1, this.options.window);
    this.sinceEval++;
    if (this.cameras.size < MAX_CAMERAS_COUNTED) this.cameras.add(update.cameraId);
    if (this.count < this.options.window || this.sinceEval < this.options.evalEvery) return [];
    this.sinceEval = 0;
    const cameras = this.cameras.size;
    this.cameras.clear();
    this.current = quantile(this.total, this.options.quantile);
    if (this.current <= this.options.sloMs) {
      this.breached = false;
      return [];
    }
    if (this.breached) return [];
    this.breached = true;
    const detectQ = quantile(this.detect, this.options.quantile);
    const q = `p${Math.round(this.options.quantile * 100)}`;
    return [
      cameraFinding(
        update,
        'latency-slo',
        'pipeline',
        `the pipeline is slow, not the camera: capture -> tracks ${q} is ${Math.round(this.current)} ms over the last ${this.options.window} frames of all cameras (objective ${this.options.sloMs} ms; capture -> detections ${q} ${Math.round(detectQ)} ms)`,
        {
          quantile_ms: this.current,
          slo_ms: this.options.sloMs,
          quantile: this.options.quantile,
          capture_to_detections_ms: detectQ,
          window: this.options.window,
          cameras_in_last_evaluation: cameras,
        },
      ),
    ];
  }
}

/** Cameras counted per evaluation for the evidence (bounded: the set is cleared at each evaluation). */
const MAX_CAMERAS_COUNTED = 100_000;

/**
 * Latency SLO breach from the stage timestamps the pipeline stamps on every message:
 * capture (ingest) -> detected (inference) -> tracked (tracking). The quantile of capture -> tracked
 * over the latest updates of all cameras (PipelineLatency) is compared with the objective; the
 * capture -> detected quantile goes into the evidence so the flag says which stage is slow.
 * Timestamps from different hosts assume synchronised clocks (NTP); negative latencies (skew) are ignored.
 */
export class LatencySloRule implements SanityRule {
  /** A predicted frame is still a frame whose tracks somebody waits for. */
  readonly judgesUndetectedFrames = true;

  constructor(
    private readonly options: LatencySloOptions,
    private readonly pipeline = new PipelineLatency(options),
  ) {}

  onTracks(update: TrackUpdate): Finding[] {
    return this.pipeline.observe(update);
  }

  measurements(): Measurement[] {
    const value = this.pipeline.quantileMs;
    if (value === undefined) return [];
    return [{ name: 'capture_to_tracks_quantile_ms', labels: { quantile: String(this.options.quantile) }, value }];
  }
}

/** The q-quantile (nearest rank) of the values. */
export function quantile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}
