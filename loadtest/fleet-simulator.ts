// A camera fleet through the real ingest: N streams of replayed clips (each a real video played
// at its own speed like a live camera, sampled to F fps) or of ffmpeg test patterns, added over
// ingest's gRPC API like an operator would and removed at the end.
import { StreamState } from '@va/proto/va/ingest/v1/ingest';
import {
  cameraIdFor,
  clipsIn,
  clipStream,
  ensureStream,
  listStreams,
  patternStream,
  removeStream,
} from '@va/harness/pipeline/camera-streams';
import type { PipelineClients } from '@va/harness/pipeline/pipeline-clients';
import { waitFor } from '@va/harness/ports';

export type FleetSource = 'clips' | 'pattern';

export interface FleetOptions {
  streams: number;
  fps: number;
  source: FleetSource;
  /** Folder of clips for `clips` (cycled over the streams). */
  videos: string;
  /** Clips letterboxed to the detector's input in ffmpeg at ingest (default true; see clipStream). */
  letterbox?: boolean;
}

/** Ingest's own bound (VA_INGEST_MAX_STREAMS default): the simulator never asks for more. */
export const MAX_FLEET_STREAMS = 64;

export class FleetSimulator {
  private readonly cameras: string[] = [];

  constructor(private readonly clients: PipelineClients) {}

  get size(): number {
    return this.cameras.length;
  }

  /** Adds streams until the fleet has `o.streams` (camera ids fleet-<n>-<clip>). */
  async grow(o: FleetOptions): Promise<string[]> {
    if (o.streams > MAX_FLEET_STREAMS)
      throw new RangeError(`at most ${MAX_FLEET_STREAMS} streams (ingest's VA_INGEST_MAX_STREAMS)`);
    const clips = o.source === 'clips' ? clipsIn(o.videos) : [];
    if (o.source === 'clips' && clips.length === 0) throw new Error(`no clips in ${o.videos}`);
    const added: string[] = [];
    for (let i = this.cameras.length; i < o.streams; i++) {
      const clip = clips[i % Math.max(1, clips.length)] as string;
      const camera = o.source === 'clips' ? `fleet-${i}-${cameraIdFor(clip)}`.slice(0, 64) : `fleet-${i}-testsrc2`;
      const spec =
        o.source === 'clips'
          ? clipStream(camera, clip, { fps: o.fps, loop: true, letterbox: o.letterbox })
          : patternStream(camera, 'testsrc2', { fps: o.fps });
      await ensureStream(this.clients, spec);
      this.cameras.push(camera);
      added.push(camera);
    }
    return added;
  }

  /** Waits until ingest reports every stream of the fleet RUNNING (ffmpeg started and delivering frames). */
  async waitRunning(timeoutMs = 120_000): Promise<void> {
    await waitFor(
      async () => {
        const streams = await listStreams(this.clients);
        return this.cameras.every(
          (c) => streams.find((s) => s.spec?.cameraId === c)?.state === StreamState.STREAM_STATE_RUNNING,
        );
      },
      { timeoutMs, intervalMs: 500, what: `${this.cameras.length} streams running` },
    );
  }

  /** Removes every stream the simulator added. */
  async clear(): Promise<void> {
    while (this.cameras.length > 0) await removeStream(this.clients, this.cameras.pop() as string);
  }
}
