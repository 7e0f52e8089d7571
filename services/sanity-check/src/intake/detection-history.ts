import type { DetectionBatch } from '@va/proto/va/common/v1/detection';

interface Waiter {
  epoch: string;
  sequence: number;
  resolve: (batch: DetectionBatch | undefined) => void;
  timer: NodeJS.Timeout;
}

interface CameraHistory {
  epoch: string;
  batches: DetectionBatch[];
  waiters: Waiter[];
}

/**
 * The last detection batches of every camera, so a track update can be joined with the detections
 * of its frame. Detections and tracks come from two consumers that may run at different speeds
 * (after a restart both catch up on a backlog), so a track update whose detections have not been
 * processed yet waits for them (`waitFor`) instead of being judged without them. Embeddings are
 * dropped: nothing here needs them and they are most of a batch's size.
 */
export class DetectionHistory {
  private readonly cameras = new Map<string, CameraHistory>();

  constructor(
    private readonly perCamera: number,
    private readonly maxCameras: number,
  ) {}

  add(batch: DetectionBatch): void {
    let camera = this.cameras.get(batch.cameraId);
    if (camera && camera.epoch !== batch.streamEpoch) camera.batches = [];
    if (!camera) {
      camera = { epoch: batch.streamEpoch, batches: [], waiters: [] };
      if (this.cameras.size >= this.maxCameras) this.evictQuietest();
    }
    camera.epoch = batch.streamEpoch;
    this.cameras.delete(batch.cameraId);
    this.cameras.set(batch.cameraId, camera);
    const light = {
      ...batch,
      detections: batch.detections.map((d) => (d.embedding.length > 0 ? { ...d, embedding: [] } : d)),
      embedder: undefined,
    };
    camera.batches.push(light);
    if (camera.batches.length > this.perCamera) camera.batches.shift();
    // Wake the track update waiting for this frame, and those whose frame was skipped.
    camera.waiters = camera.waiters.filter((w) => {
      if (w.epoch === batch.streamEpoch && w.sequence > batch.sequence) return true;
      clearTimeout(w.timer);
      w.resolve(w.epoch === batch.streamEpoch && w.sequence === batch.sequence ? light : undefined);
      return false;
    });
  }

  get(cameraId: string, streamEpoch: string, sequence: number): DetectionBatch | undefined {
    const camera = this.cameras.get(cameraId);
    if (!camera || camera.epoch !== streamEpoch) return undefined;
    for (let i = camera.batches.length - 1; i >= 0; i--) {
      const b = camera.batches[i] as DetectionBatch;
      if (b.sequence === sequence) return b;
      if (b.sequence < sequence) return undefined;
    }
    return undefined;
  }

  /**
   * The detections of a frame: at once when known or already passed, otherwise when they arrive,
   * or undefined after `timeoutMs` (they may never come: a malformed batch is skipped upstream).
   */
  waitFor(
    cameraId: string,
    streamEpoch: string,
    sequence: number,
    timeoutMs: number,
  ): Promise<DetectionBatch | undefined> | DetectionBatch | undefined {
    const known = this.get(cameraId, streamEpoch, sequence);
    if (known) return known;
    const camera = this.cameras.get(cameraId);
    const newest = camera?.batches[camera.batches.length - 1];
    if (camera && camera.epoch === streamEpoch && newest && newest.sequence >= sequence) return undefined;
    if (timeoutMs <= 0) return undefined;
    let target = camera;
    if (!target) {
      target = { epoch: streamEpoch, batches: [], waiters: [] };
      this.cameras.set(cameraId, target);
    }
    const waiters = target.waiters;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        epoch: streamEpoch,
        sequence,
        resolve,
        timer: setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          resolve(undefined);
        }, timeoutMs),
      };
      waiters.push(waiter);
    });
  }

  private evictQuietest(): void {
    for (const [id, camera] of this.cameras) {
      if (camera.waiters.length > 0) continue;
      this.cameras.delete(id);
      return;
    }
  }
}
