import type { DetectionBatch } from '@va/common/gen/va/common/v1/detection';

/**
 * The last detection batches of every camera, so a track update can be joined with the detections
 * of its frame (tracks arrive after the detections they were built from). Embeddings are dropped:
 * nothing here needs them and they are most of a batch's size.
 */
export class DetectionHistory {
  private readonly cameras = new Map<string, DetectionBatch[]>();

  constructor(
    private readonly perCamera: number,
    private readonly maxCameras: number,
  ) {}

  add(batch: DetectionBatch): void {
    let list = this.cameras.get(batch.cameraId);
    if (list && list[0]?.streamEpoch !== batch.streamEpoch) list = undefined;
    if (!list) {
      list = [];
      if (this.cameras.size >= this.maxCameras) this.cameras.delete(this.cameras.keys().next().value as string);
    }
    this.cameras.delete(batch.cameraId);
    this.cameras.set(batch.cameraId, list);
    list.push({ ...batch, detections: batch.detections.map((d) => (d.embedding.length > 0 ? { ...d, embedding: [] } : d)), embedder: undefined });
    if (list.length > this.perCamera) list.shift();
  }

  get(cameraId: string, streamEpoch: string, sequence: number): DetectionBatch | undefined {
    const list = this.cameras.get(cameraId);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const b = list[i] as DetectionBatch;
      if (b.sequence === sequence && b.streamEpoch === streamEpoch) return b;
      if (b.sequence < sequence) return undefined;
    }
    return undefined;
  }
}
