import { PixelFormat, type Letterbox } from '@va/proto/va/common/v1/frame';
import { DetectionPolicy } from './detection-policy.js';
import { DetectionSchedule } from './detection-schedule.js';
import type { SourceInfo } from './ffmpeg-process.js';
import { FRAME_HEAD_RESERVE, FRAME_TAIL_RESERVE } from './frame-pool.js';
import type { PendingFrame } from './frame-publisher.js';
import type { RawFrame } from './frame-reader.js';
import { FrameStatsSampler, type StatsRegion } from './frame-stats.js';
import { letterboxGeometry } from './letterbox.js';
import { MotionGate } from './motion-gate.js';
import type { ValidStream } from './stream-spec.js';

/**
 * Turns a stream's raw frames into frames to publish: the sequence number (counting on across
 * reconnects), the output size (the source's when the stream keeps it), letterbox geometry,
 * picture statistics and the detection decision, all in the header built at publish time.
 */
export class FrameStamper {
  private sequence = 0;
  private source: SourceInfo | undefined;
  private outWidth: number;
  private outHeight: number;
  private letterbox: Letterbox | undefined;
  private statsRegion: StatsRegion | undefined;
  private statsSampler: FrameStatsSampler | undefined;
  private readonly detection: DetectionPolicy;

  constructor(
    private readonly stream: ValidStream,
    private readonly epoch: string,
    /** Called when the detection decision for a published frame is "gated". */
    private readonly onGated: () => void,
  ) {
    this.outWidth = stream.width;
    this.outHeight = stream.height;
    this.detection = new DetectionPolicy(
      new DetectionSchedule(stream.detectEvery),
      stream.motionGate && new MotionGate(stream.motionGate),
    );
  }

  get nextSequence(): number {
    return this.sequence;
  }

  get size(): { width: number; height: number; sourceWidth: number; sourceHeight: number } {
    return {
      width: this.outWidth,
      height: this.outHeight,
      sourceWidth: this.source?.width ?? 0,
      sourceHeight: this.source?.height ?? 0,
    };
  }

  /**
   * A run's probe of the source. For a stream that keeps the source size, the frame size to read,
   * or why such frames cannot be published (a raw frame larger than the bus's max payload).
   */
  sourceInfo(info: SourceInfo, maxPayloadBytes: number): { frameBytes: number | undefined } | { failure: string } {
    this.source = info;
    this.statsSampler = undefined;
    this.detection.reset();
    let frameBytes: number | undefined;
    if (this.stream.width === 0) {
      const bytes = info.width * info.height * 3;
      if (
        this.stream.pixelFormat !== PixelFormat.PIXEL_FORMAT_JPEG &&
        bytes + FRAME_HEAD_RESERVE + FRAME_TAIL_RESERVE > maxPayloadBytes
      ) {
        return {
          failure: `a ${info.width}x${info.height} raw frame (${bytes} bytes) is larger than NATS max_payload (${maxPayloadBytes}); set width and height or use JPEG`,
        };
      }
      this.outWidth = info.width;
      this.outHeight = info.height;
      frameBytes = bytes;
    }
    if (this.stream.letterbox) {
      const g = letterboxGeometry(info.width, info.height, this.outWidth, this.outHeight);
      this.letterbox = { scale: g.scale, padX: g.padX, padY: g.padY };
      this.statsRegion = { x: g.padX, y: g.padY, width: g.contentWidth, height: g.contentHeight };
    }
    return { frameBytes };
  }

  /** The next frame to publish; its header is built only if it is published. */
  stamp(raw: RawFrame, release: () => void): PendingFrame {
    const sequence = this.sequence++;
    const width = this.outWidth;
    const height = this.outHeight;
    const sampler = this.statsSamplerFor(width, height);
    return {
      sequence,
      raw,
      width,
      height,
      release,
      header: (r) => {
        const stats = sampler.compute(r.buffer, FRAME_HEAD_RESERVE);
        // Decided at publish time, so frames shed before publishing never move the gate or the schedule.
        const decision = this.detection.decide(sampler.luma, r.readAtMs);
        if (decision === 'gated') this.onGated();
        return {
          cameraId: this.stream.spec.cameraId,
          sequence,
          captureTsMs: r.readAtMs,
          sourceWidth: this.source?.width ?? width,
          sourceHeight: this.source?.height ?? height,
          width,
          height,
          pixelFormat: this.stream.pixelFormat,
          letterbox: this.letterbox,
          stats,
          streamEpoch: this.epoch,
          skipDetection: decision !== 'detect',
        };
      },
    };
  }

  private statsSamplerFor(width: number, height: number): FrameStatsSampler {
    this.statsSampler ??= new FrameStatsSampler(
      width,
      height,
      this.stream.pixelFormat === PixelFormat.PIXEL_FORMAT_BGR24,
      this.statsRegion,
    );
    return this.statsSampler;
  }
}
