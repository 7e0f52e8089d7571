/** Why a frame was not processed. */
export type DropReason = 'superseded' | 'stale' | 'queue_full' | 'shutdown';

export interface AdmissionOptions {
  /** Frames of one camera waiting for the model; when full the oldest gives way to the newest. */
  perCameraQueue: number;
  /** Frames of one camera inside the batcher at once. */
  perCameraInFlight: number;
  /** Frames captured longer ago than this are dropped when their turn comes (0: never). */
  maxFrameAgeMs: number;
  /** Frames waiting across all cameras; beyond it a new frame is dropped. */
  maxPending: number;
}

export interface AdmittedFrame {
  cameraId: string;
  captureTsMs: number;
}

interface CameraQueue<F> {
  inFlight: number;
  waiting: F[];
}

/**
 * The bounded per-camera queue in front of the batcher. Each camera may have a few frames in
 * the batcher; the rest wait in a short queue, in order, and when it overflows the oldest waiting
 * frame is dropped so the newest wins: an analytics system that falls behind real time is worse
 * than one that skips frames. Frames too old by the time their turn comes are dropped as stale.
 * One fast camera cannot crowd out the others: each has its own bound.
 */
export class FrameAdmission<F extends AdmittedFrame> {
  private readonly cameras = new Map<string, CameraQueue<F>>();
  private pendingCount = 0;
  private inFlightCount = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly options: AdmissionOptions,
    private readonly process: (frame: F) => Promise<void>,
    private readonly drop: (frame: F, reason: DropReason) => void,
    private readonly onPendingChange: (pending: number) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  get pending(): number {
    return this.pendingCount;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  offer(frame: F): void {
    if (this.closed) {
      this.drop(frame, 'shutdown');
      return;
    }
    let camera = this.cameras.get(frame.cameraId);
    if (!camera) {
      camera = { inFlight: 0, waiting: [] };
      this.cameras.set(frame.cameraId, camera);
    }
    if (camera.inFlight < this.options.perCameraInFlight && camera.waiting.length === 0) {
      this.start(camera, frame);
      return;
    }
    if (this.pendingCount >= this.options.maxPending) {
      // Full everywhere: this camera's oldest waiting frame gives way, or the new frame is dropped.
      if (camera.waiting.length === 0) {
        this.drop(frame, 'queue_full');
      } else {
        this.drop(camera.waiting.shift() as F, 'superseded');
        camera.waiting.push(frame);
      }
      return;
    }
    camera.waiting.push(frame);
    this.pendingCount++;
    if (camera.waiting.length > this.options.perCameraQueue) {
      this.pendingCount--;
      this.drop(camera.waiting.shift() as F, 'superseded');
    }
    this.onPendingChange(this.pendingCount);
  }

  /** Stops taking frames, drops those waiting, and resolves when the ones in the batcher are done. */
  async close(): Promise<void> {
    this.closed = true;
    for (const camera of this.cameras.values()) {
      for (const frame of camera.waiting.splice(0)) this.drop(frame, 'shutdown');
    }
    this.pendingCount = 0;
    this.onPendingChange(0);
    if (this.inFlightCount === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private start(camera: CameraQueue<F>, frame: F): void {
    if (this.options.maxFrameAgeMs > 0 && this.now() - frame.captureTsMs > this.options.maxFrameAgeMs) {
      this.drop(frame, 'stale');
      this.next(camera);
      return;
    }
    camera.inFlight++;
    this.inFlightCount++;
    let settled: Promise<void>;
    try {
      settled = this.process(frame);
    } catch (err) {
      settled = Promise.reject(err);
    }
    void settled
      .catch(() => undefined) // process() accounts for its own failures
      .finally(() => {
        camera.inFlight--;
        this.inFlightCount--;
        this.next(camera);
        if (camera.inFlight === 0 && camera.waiting.length === 0) this.cameras.delete(frame.cameraId);
        if (this.inFlightCount === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
  }

  private next(camera: CameraQueue<F>): void {
    if (this.closed || camera.inFlight >= this.options.perCameraInFlight) return;
    const frame = camera.waiting.shift();
    if (!frame) return;
    this.pendingCount--;
    this.onPendingChange(this.pendingCount);
    this.start(camera, frame);
  }
}
