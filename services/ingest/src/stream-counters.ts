import type { StreamStatus } from '@va/proto/va/ingest/v1/ingest';
import type { DropReason } from './frame-publisher.js';
import type { IngestMetrics } from './ingest-metrics.js';
import { RateMeter } from './rate-meter.js';

/** One stream's frame counts for its status, kept in step with the Prometheus counters. */
export class StreamCounters {
  private framesRead = 0;
  private framesPublished = 0;
  private bytesPublished = 0;
  private framesGated = 0;
  private lastFrameAt = 0;
  private readonly drops = new Map<string, number>();
  private readonly fpsIn = new RateMeter();
  private readonly fpsOut = new RateMeter();

  constructor(
    private readonly camera: string,
    private readonly metrics: IngestMetrics,
  ) {}

  read(readAtMs: number): void {
    this.framesRead++;
    this.lastFrameAt = readAtMs;
    this.fpsIn.mark();
    this.metrics.framesRead.inc({ camera: this.camera });
  }

  published(bytes: number, readAtMs: number, publishTsMs: number): void {
    this.framesPublished++;
    this.bytesPublished += bytes;
    this.fpsOut.mark();
    this.metrics.framesPublished.inc({ camera: this.camera });
    this.metrics.publishedBytes.inc({ camera: this.camera }, bytes);
    this.metrics.publishDelay.observe((publishTsMs - readAtMs) / 1000);
  }

  gated(): void {
    this.framesGated++;
    this.metrics.framesGated.inc({ camera: this.camera });
  }

  dropped(reason: DropReason): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    this.metrics.dropped(this.camera, reason);
  }

  rates(): { decodeFps: number; publishFps: number } {
    return { decodeFps: this.fpsIn.rate(), publishFps: this.fpsOut.rate() };
  }

  status(): Pick<
    StreamStatus,
    | 'fpsIn'
    | 'fpsOut'
    | 'framesRead'
    | 'framesPublished'
    | 'framesDropped'
    | 'lastFrameTsMs'
    | 'framesDroppedByReason'
    | 'bytesPublished'
    | 'framesGated'
  > {
    return {
      fpsIn: this.fpsIn.rate(),
      fpsOut: this.fpsOut.rate(),
      framesRead: this.framesRead,
      framesPublished: this.framesPublished,
      framesDropped: [...this.drops.values()].reduce((a, b) => a + b, 0),
      lastFrameTsMs: this.lastFrameAt,
      framesDroppedByReason: Object.fromEntries(this.drops),
      bytesPublished: this.bytesPublished,
      framesGated: this.framesGated,
    };
  }
}
