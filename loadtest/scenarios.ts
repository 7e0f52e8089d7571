// The load scenarios. "normal" is what this 2-core machine is sized for (the demo's load: two
// cameras at 5 fps); "10x" offers ten times the frames per second as ten times the cameras, which
// is how a fleet grows. Every run is bounded in streams, requests and time.
import type { FleetSource } from './fleet-simulator.js';

export type ScenarioName = 'normal' | '10x';

export interface Scenario {
  name: ScenarioName;
  streams: number;
  fps: number;
  source: FleetSource;
  /** Measured time, after every stream runs and the warm-up has passed. */
  durationS: number;
  warmupS: number;
  grpc: { concurrency: number; maxRequests: number; durationS: number } | undefined;
}

export function scenario(
  name: ScenarioName,
  o: { quick: boolean; durationS?: number; source?: FleetSource; grpc: boolean },
): Scenario {
  const normal = { streams: 2, fps: 5 };
  return {
    name,
    streams: name === 'normal' ? normal.streams : normal.streams * 10,
    fps: normal.fps,
    source: o.source ?? 'clips',
    durationS: o.durationS ?? (o.quick ? 30 : 60),
    warmupS: o.quick ? 10 : 20,
    grpc: o.grpc ? { concurrency: 4, maxRequests: o.quick ? 200 : 600, durationS: o.quick ? 10 : 20 } : undefined,
  };
}
