/**
 * Sampling to the stream's target fps happens inside ffmpeg, before scaling, so frames that are
 * not wanted cost no resize and no pipe bandwidth. The select filter keeps the first frame of
 * every 1/fps slot of the source's timeline: it never duplicates a frame (a slow camera stays
 * slow instead of showing frozen copies), and it keeps the average rate exact where a
 * "t - last >= 1/fps" rule would undershoot (12.5 fps sampled to 5 would give 4.2).
 */
export function selectFilter(targetFps: number): string | undefined {
  if (targetFps <= 0) return undefined;
  const r = formatRate(targetFps);
  return `select='isnan(prev_selected_t)+gt(floor(t*${r}),floor(prev_selected_t*${r}))'`;
}

function formatRate(fps: number): string {
  return Number.isInteger(fps) ? String(fps) : fps.toFixed(6).replace(/0+$/, '');
}

/**
 * The frames the select filter keeps from a clip of `frames` frames at `sourceFps` (0-based
 * indices), for tests and for the benchmark's expected counts.
 */
export function sampledFrameIndices(frames: number, sourceFps: number, targetFps: number): number[] {
  if (targetFps <= 0 || targetFps >= sourceFps) return Array.from({ length: frames }, (_, i) => i);
  const out: number[] = [];
  let lastSlot = -1;
  for (let i = 0; i < frames; i++) {
    const slot = Math.floor((i / sourceFps) * targetFps + 1e-9);
    if (slot > lastSlot) {
      out.push(i);
      lastSlot = slot;
    }
  }
  return out;
}
