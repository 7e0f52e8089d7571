/** Limits of the ring, in bytes of Frame messages as published. */
export interface PublishedFrameRingOptions {
  cameraBytes: number;
  totalBytes: number;
}

/** Why a kept frame left the ring (the `reason` label of va_ingest_frame_ring_evictions_total). */
export const RING_EVICTION_REASONS = [
  'camera_bytes', // pushed out by newer frames of its camera
  'total_bytes', // pushed out by newer frames of any camera (the oldest of all goes first)
  'epoch', // its stream started again under a new epoch
  'too_big', // one frame larger than the per-camera limit: never kept
] as const;
export type RingEvictionReason = (typeof RING_EVICTION_REASONS)[number];

export type RingMiss = 'aged_out' | 'not_published' | 'unknown_camera';

/** A frame in the ring, held for as long as it is pinned even once it has been evicted. */
export interface RingFrame {
  readonly message: Uint8Array;
  /** Lets go of the frame; its buffer goes back to its pool once the ring evicted it too. */
  unpin(): void;
}

interface Kept {
  sequence: number;
  message: Uint8Array;
  release: () => void;
  /** Order of arrival over all cameras: the smallest is the oldest. */
  order: number;
  pins: number;
  evicted: boolean;
}

interface CameraFrames {
  epoch: string;
  frames: Kept[];
  bytes: number;
  newestSequence: number;
}

/**
 * The Frame messages ingest published lately, per camera, so a frame a sanity rule flags can be
 * served as evidence on request instead of every frame being sent to sanity-check. What is kept is
 * the message as it went to the bus (for raw frames, the pooled buffer the pixels were read into:
 * no copy), given back through `release` when it leaves the ring and nobody is encoding it.
 * Bounded per camera and in total; the oldest frames go first, and every frame that leaves is
 * counted through `onEvicted`.
 */
export class PublishedFrameRing {
  private readonly cameras = new Map<string, CameraFrames>();
  private totalBytes = 0;
  private totalFrames = 0;
  private arrivals = 0;
  /** Called once for each camera the ring first keeps a frame of (the evidence server subscribes to it). */
  onNewCamera: (cameraId: string) => void = () => {};

  constructor(
    readonly options: PublishedFrameRingOptions,
    private readonly onEvicted: (reason: RingEvictionReason, frames: number) => void = () => {},
  ) {}

  get bytes(): number {
    return this.totalBytes;
  }

  get frames(): number {
    return this.totalFrames;
  }

  /** Every camera the ring has kept frames of (some may have none left). */
  cameraIds(): string[] {
    return [...this.cameras.keys()];
  }

  /** How many frames of `payloadBytes` pixels one camera may have in the ring (what its pool may lend). */
  framesPerCamera(payloadBytes: number): number {
    return payloadBytes > 0 ? Math.ceil(this.options.cameraBytes / payloadBytes) : 0;
  }

  /** Keeps a published frame; sequences of one epoch only grow (an older one is let go at once). */
  keep(cameraId: string, epoch: string, sequence: number, message: Uint8Array, release: () => void): void {
    if (message.byteLength > this.options.cameraBytes || message.byteLength > this.options.totalBytes) {
      release();
      this.onEvicted('too_big', 1);
      return;
    }
    let camera = this.cameras.get(cameraId);
    if (camera && camera.epoch !== epoch) {
      this.evictAll(camera, 'epoch');
      Object.assign(camera, { epoch, newestSequence: -1 });
    }
    if (!camera) {
      camera = { epoch, frames: [], bytes: 0, newestSequence: -1 };
      this.cameras.set(cameraId, camera);
      this.onNewCamera(cameraId);
    }
    if (sequence <= camera.newestSequence) {
      release();
      return;
    }
    camera.newestSequence = sequence;
    camera.frames.push({ sequence, message, release, order: this.arrivals++, pins: 0, evicted: false });
    camera.bytes += message.byteLength;
    this.totalBytes += message.byteLength;
    this.totalFrames++;
    while (camera.bytes > this.options.cameraBytes) this.evictFirst(camera, 'camera_bytes');
    while (this.totalBytes > this.options.totalBytes) this.evictOldest();
  }

  /** The frame, pinned until `unpin` (its buffer is not reused meanwhile), or why there is none. */
  lookup(cameraId: string, epoch: string, sequence: number): RingFrame | RingMiss {
    const camera = this.cameras.get(cameraId);
    if (!camera) return 'unknown_camera';
    // Frames of another epoch are gone with it (or the epoch is wrong: nothing to tell them apart).
    if (camera.epoch !== epoch) return 'aged_out';
    const { frames } = camera;
    for (let i = frames.length - 1; i >= 0; i--) {
      const kept = frames[i] as Kept;
      if (kept.sequence === sequence) return this.pin(kept);
      if (kept.sequence < sequence) break;
    }
    const oldest = frames[0];
    if (sequence <= camera.newestSequence && (!oldest || sequence < oldest.sequence)) return 'aged_out';
    return 'not_published';
  }

  /** Lets go of every frame (shutdown); pinned ones go when unpinned. */
  clear(): void {
    for (const camera of this.cameras.values()) this.evictAll(camera, 'epoch');
    this.cameras.clear();
  }

  private pin(kept: Kept): RingFrame {
    kept.pins++;
    let unpinned = false;
    return {
      message: kept.message,
      unpin: () => {
        if (unpinned) return;
        unpinned = true;
        kept.pins--;
        if (kept.evicted && kept.pins === 0) kept.release();
      },
    };
  }

  private evictFirst(camera: CameraFrames, reason: RingEvictionReason): void {
    const kept = camera.frames.shift();
    if (!kept) return;
    this.letGo(camera, kept);
    this.onEvicted(reason, 1);
  }

  private evictOldest(): void {
    let oldest: CameraFrames | undefined;
    for (const camera of this.cameras.values()) {
      const first = camera.frames[0];
      if (first && (!oldest || first.order < (oldest.frames[0] as Kept).order)) oldest = camera;
    }
    if (oldest) this.evictFirst(oldest, 'total_bytes');
  }

  private evictAll(camera: CameraFrames, reason: RingEvictionReason): void {
    const n = camera.frames.length;
    for (const kept of camera.frames.splice(0)) this.letGo(camera, kept);
    if (n > 0) this.onEvicted(reason, n);
  }

  private letGo(camera: CameraFrames, kept: Kept): void {
    camera.bytes -= kept.message.byteLength;
    this.totalBytes -= kept.message.byteLength;
    this.totalFrames--;
    kept.evicted = true;
    if (kept.pins === 0) kept.release();
  }
}
