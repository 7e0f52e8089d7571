/** Why a frame was not processed. */
export type DropReason = 'superseded' | 'stale' | 'queue_full' | 'shutdown';

export interface AdmissionOptions {
  /** Frames of one camera waiting for the model; when full the oldest gives way to the newest. */
  perCameraQueue: number;
  /** Frames of one camera inside the batcher at once. */
  perCameraInFlight: number;
  /** Frames captured longer ago than this are dropped on arrival and when their turn comes (0: never). */
  maxFrameAgeMs: number;
  /** Frames waiting across all cameras; beyond it a new frame is dropped. */
  maxPending: number;
  /**
   * Frames being processed at once (batcher, models, publishing), all cameras together. Beyond it frames wait here, where a
   * newer frame of the same camera replaces them, instead of in the batcher, where nothing can.
   */
  maxInFlight: number;
}

export interface AdmittedFrame {
  cameraId: string;
  captureTsMs: number;
}

interface CameraQueue<F> {
  id: string;
  inFlight: number;
  waiting: F[];
}

/**
 * The bounded per-camera queue in front of the batcher. Each camera may have a few frames in
 * the batcher, and all cameras together `maxInFlight`; the rest wait in a short queue, in order,
 * and when it overflows the oldest waiting frame is dropped so the newest wins: an analytics
 * system that falls behind real time is worse than one that skips frames. Because a waiting
 * frame is replaced rather than queued behind, a frame's age when it starts is at most its
 * camera's frame interval plus what the batcher holds, however long the camera waited for its
 * turn. Frames too old on arrival or by the time their turn comes are dropped as stale. Cameras
 * take free batcher slots in turn, so one fast camera cannot crowd out the others.
 */
export class FrameAdmission<F extends AdmittedFrame> {
  private readonly cameras = new Map<string, CameraQueue<F>>();
  /** Cameras with waiting frames, in the order they get the next free batcher slot. */
  private turns: Array<CameraQueue<F>> = [];
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
    if (this.isStale(frame)) {
      this.drop(frame, 'stale');
      return;
    }
    let camera = this.cameras.get(frame.cameraId);
    if (!camera) {
      camera = { id: frame.cameraId, inFlight: 0, waiting: [] };
      this.cameras.set(frame.cameraId, camera);
    }
    if (this.canStart(camera) && camera.waiting.length === 0) {
      this.start(camera, frame);
      return;
    }
    if (this.pendingCount >= this.options.maxPending) {
      // Full everywhere: this camera's oldest waiting frame gives way, or the new frame is dropped.
      if (camera.waiting.length === 0) {
        this.drop(frame, 'queue_full');
        if (camera.inFlight === 0) this.cameras.delete(camera.id);
      } else {
        this.drop(camera.waiting.shift() as F, 'superseded');
        camera.waiting.push(frame);
      }
      return;
    }
    const hadTurn = camera.waiting.length > 0;
    camera.waiting.push(frame);
    this.pendingCount++;
    if (camera.waiting.length > this.options.perCameraQueue) {
      this.pendingCount--;
      this.drop(camera.waiting.shift() as F, 'superseded');
    }
    if (!hadTurn && camera.waiting.length > 0) this.turns.push(camera);
    this.onPendingChange(this.pendingCount);
  }

  /** Stops taking frames, drops those waiting, and resolves when the ones in the batcher are done. */
  async close(): Promise<void> {
    this.closed = true;
    for (const camera of this.cameras.values()) {
      for (const frame of camera.waiting.splice(0)) this.drop(frame, 'shutdown');
    }
    this.turns = [];
    this.pendingCount = 0;
    this.onPendingChange(0);
    if (this.inFlightCount === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private isStale(frame: F): boolean {
    return this.options.maxFrameAgeMs > 0 && this.now() - frame.captureTsMs > this.options.maxFrameAgeMs;
  }

  private canStart(camera: CameraQueue<F>): boolean {
    return camera.inFlight < this.options.perCameraInFlight && this.inFlightCount < this.options.maxInFlight;
  }

  private start(camera: CameraQueue<F>, frame: F): void {
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
        this.next();
        if (camera.inFlight === 0 && camera.waiting.length === 0) this.cameras.delete(camera.id);
        if (this.inFlightCount === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
  }

  /** Fills free batcher slots from the cameras' waiting frames, one camera at a time in turn. */
  private next(): void {
    while (!this.closed && this.inFlightCount < this.options.maxInFlight) {
      const index = this.turns.findIndex((camera) => camera.inFlight < this.options.perCameraInFlight);
      if (index < 0) return;
      const camera = this.turns[index] as CameraQueue<F>;
      this.turns.splice(index, 1);
      const frame = camera.waiting.shift() as F;
      if (camera.waiting.length > 0) this.turns.push(camera);
      this.pendingCount--;
      this.onPendingChange(this.pendingCount);
      if (this.isStale(frame)) {
        this.drop(frame, 'stale');
        if (camera.inFlight === 0 && camera.waiting.length === 0) this.cameras.delete(camera.id);
        continue;
      }
      this.start(camera, frame);
    }
  }
}
