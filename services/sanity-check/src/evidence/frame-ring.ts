import { PixelFormat, type Frame } from '@va/proto/va/common/v1/frame';

export interface FrameRingOptions {
  /** Most recent frames kept per camera. */
  perCamera: number;
  /** Bytes of pixels kept over all cameras; the oldest frames go first beyond it. */
  maxBytes: number;
}

export type FrameDropReason = 'evicted' | 'out_of_order' | 'too_big' | 'unsupported_format';

const SUPPORTED = new Set([PixelFormat.PIXEL_FORMAT_RGB24, PixelFormat.PIXEL_FORMAT_BGR24, PixelFormat.PIXEL_FORMAT_JPEG]);

interface CameraFrames {
  epoch: string;
  frames: Frame[];
}

/**
 * The last few raw frames of every camera, so a flag raised a moment later can still be shown with
 * its image. Frames travel on core NATS and are never stored upstream: what leaves this ring unused
 * is gone. Newest wins: a new frame pushes out the oldest one of its camera (or, over the byte
 * budget, the oldest of all cameras). Frames are held as the decoded views into the received
 * message (no copy). Every frame that leaves unused or is refused is reported to `onDrop`.
 */
export class FrameRing {
  private readonly cameras = new Map<string, CameraFrames>();
  private totalBytes = 0;
  private totalFrames = 0;

  constructor(
    private readonly options: FrameRingOptions,
    private readonly onDrop: (reason: FrameDropReason, frames: number) => void = () => {},
  ) {}

  get bytes(): number {
    return this.totalBytes;
  }

  get frames(): number {
    return this.totalFrames;
  }

  put(frame: Frame): boolean {
    if (!SUPPORTED.has(frame.pixelFormat) || frame.pixels.byteLength === 0) return this.refuse('unsupported_format');
    if (frame.pixels.byteLength > this.options.maxBytes) return this.refuse('too_big');
    let camera = this.cameras.get(frame.cameraId);
    if (camera && camera.epoch !== frame.streamEpoch) {
      this.dropCamera(frame.cameraId, camera);
      camera = undefined;
    }
    if (!camera) {
      camera = { epoch: frame.streamEpoch, frames: [] };
      this.cameras.set(frame.cameraId, camera);
    }
    const newest = camera.frames[camera.frames.length - 1];
    if (newest && frame.sequence <= newest.sequence) return this.refuse('out_of_order');
    camera.frames.push(frame);
    this.totalBytes += frame.pixels.byteLength;
    this.totalFrames++;
    if (camera.frames.length > this.options.perCamera) this.evict(camera);
    while (this.totalBytes > this.options.maxBytes) this.evictOldest();
    return true;
  }

  get(cameraId: string, epoch: string, sequence: number): Frame | undefined {
    const camera = this.cameras.get(cameraId);
    if (!camera || camera.epoch !== epoch) return undefined;
    // Few frames per camera: a scan from the newest end is as fast as a search.
    for (let i = camera.frames.length - 1; i >= 0; i--) {
      const f = camera.frames[i] as Frame;
      if (f.sequence === sequence) return f;
      if (f.sequence < sequence) return undefined;
    }
    return undefined;
  }

  /** The newest frame's position for a camera, to tell "not arrived yet" from "already gone". */
  newest(cameraId: string): { epoch: string; sequence: number } | undefined {
    const camera = this.cameras.get(cameraId);
    const last = camera?.frames[camera.frames.length - 1];
    return camera && last ? { epoch: camera.epoch, sequence: last.sequence } : undefined;
  }

  private refuse(reason: FrameDropReason): false {
    this.onDrop(reason, 1);
    return false;
  }

  private evict(camera: CameraFrames): void {
    const old = camera.frames.shift();
    if (!old) return;
    this.totalBytes -= old.pixels.byteLength;
    this.totalFrames--;
    this.onDrop('evicted', 1);
  }

  private evictOldest(): void {
    let oldest: CameraFrames | undefined;
    for (const camera of this.cameras.values()) {
      const first = camera.frames[0];
      if (first && (!oldest || first.captureTsMs < (oldest.frames[0] as Frame).captureTsMs)) oldest = camera;
    }
    if (!oldest) return;
    this.evict(oldest);
  }

  private dropCamera(cameraId: string, camera: CameraFrames): void {
    for (const f of camera.frames) this.totalBytes -= f.pixels.byteLength;
    this.totalFrames -= camera.frames.length;
    if (camera.frames.length > 0) this.onDrop('evicted', camera.frames.length);
    this.cameras.delete(cameraId);
  }
}
