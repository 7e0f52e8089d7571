// The ablation's rows as bench:e2e prints them: one per lever and round, then the means over rounds.

/** One lever's measurement at the normal load in one round. */
export interface AblationEntry {
  lever: string;
  what: string;
  round: number;
  cpu_ms_per_frame: number | null;
  inference_cpu_ms_per_frame: number | null;
  cpu_ms_per_frame_by_process: Record<string, number>;
  p95_capture_to_tracks_ms: number;
  drop_ratio: number;
  error_ratio: number;
  tracked_fps: number;
  frames_read: number;
  detected_share: number | null;
  /** batching-inference CPU ÷ frames through the detector: what one detection costs, however many were shed or skipped. */
  inference_cpu_ms_per_detected_frame: number | null;
  /** All CPU ÷ frames not shed: the per-frame cost without the flattery of shedding (frames read but never processed). */
  cpu_ms_per_kept_frame: number | null;
  sustained: boolean;
  load: number[];
  crashes: string[];
}

export function printAblation(entries: AblationEntry[]): void {
  const base = entries.filter((e) => e.lever === 'baseline' && e.cpu_ms_per_frame !== null);
  const baseCpu =
    base.length > 0 ? base.reduce((s, e) => s + (e.cpu_ms_per_frame as number), 0) / base.length : undefined;
  console.log(
    'lever            round  CPU ms/frame  vs baseline  per kept frame  inference ms/frame  per detection  detected  p95 capture→tracks  shed    load(1m)  by process',
  );
  for (const e of entries) {
    const ratio = baseCpu && e.cpu_ms_per_frame !== null ? (e.cpu_ms_per_frame / baseCpu).toFixed(2) : '–';
    console.log(
      `${e.lever.padEnd(16)} ${String(e.round).padStart(5)}  ${String(e.cpu_ms_per_frame ?? '–').padStart(12)}  ${ratio.padStart(11)}  ${String(e.cpu_ms_per_kept_frame ?? '–').padStart(14)}  ${String(e.inference_cpu_ms_per_frame ?? '–').padStart(18)}  ${String(e.inference_cpu_ms_per_detected_frame ?? '–').padStart(13)}  ${(e.detected_share === null ? '–' : `${Math.round(100 * e.detected_share)} %`).padStart(8)}  ${`${e.p95_capture_to_tracks_ms} ms`.padStart(18)}  ${`${(100 * e.drop_ratio).toFixed(1)} %`.padStart(6)}  ${String(e.load[0]).padStart(8)}  ${JSON.stringify(e.cpu_ms_per_frame_by_process)}`,
    );
  }
  const names = [...new Set(entries.map((e) => e.lever))];
  if (entries.length === names.length) return;
  console.log('means over rounds: lever, CPU ms/frame, vs baseline, inference ms/frame');
  for (const name of names) {
    const cpu = entries
      .filter((e) => e.lever === name && e.cpu_ms_per_frame !== null)
      .map((e) => e.cpu_ms_per_frame as number);
    const inf = entries
      .filter((e) => e.lever === name && e.inference_cpu_ms_per_frame !== null)
      .map((e) => e.inference_cpu_ms_per_frame as number);
    const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
    console.log(
      `${name.padEnd(16)} ${mean(cpu).toFixed(1).padStart(8)}  ${baseCpu ? (mean(cpu) / baseCpu).toFixed(2).padStart(6) : '–'}  ${mean(inf).toFixed(1).padStart(8)}`,
    );
  }
}
