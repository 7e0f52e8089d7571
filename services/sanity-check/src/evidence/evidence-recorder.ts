import { errorMessage, type Logger } from '@va/common';
import type { Detection } from '@va/proto/va/common/v1/detection';
import type { Frame } from '@va/proto/va/common/v1/frame';
import type { SanityMetrics } from '../metrics.js';
import { EvidenceStore, type EvidenceKind, type StoredDetection } from './evidence-store.js';
import { FrameTooLargeError, frameToJpeg } from './frame-jpeg.js';
import type { FrameRing } from './frame-ring.js';

export interface EvidenceRequest {
  kind: EvidenceKind;
  cameraId: string;
  streamEpoch: string;
  sequence: number;
  captureTsMs: number;
  flagId?: string;
  /** The frame's detections, stored beside the image for labeling. */
  detections: readonly Detection[];
}

export interface EvidenceRecorderOptions {
  /** How long a request waits for a frame that has not arrived yet (frames and detections race). */
  waitMs: number;
  /** Frames waiting to be encoded at most; more are dropped and counted. */
  queueSize: number;
  jpegQuality: number;
  /** Frames larger than this (frame or source size) are not decoded: missing as too_large. */
  maxFramePixels: number;
}

interface Waiting {
  request: EvidenceRequest;
  deadline: number;
}

const MAX_WAITING = 256;
const PRUNE_EVERY_MS = 60_000;

/**
 * Turns "keep the image of this frame" into a JPEG in the evidence store. The frame is looked up
 * in the ring; a frame not received yet is waited for briefly; a frame already pushed out of the
 * ring (or never received: frames travel on core NATS and may be dropped) is gone for good: the
 * flag stays, without an image, and is counted in evidence_missing_total. Encoding runs one frame
 * at a time off the message path, through a bounded queue.
 */
export class EvidenceRecorder {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly queue: Array<{ frame: Frame; request: EvidenceRequest }> = [];
  private worker: Promise<void> | undefined;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly pruneTimer: NodeJS.Timeout;
  private waitingCount = 0;

  constructor(
    private readonly ring: FrameRing,
    private readonly store: EvidenceStore,
    private readonly metrics: SanityMetrics,
    private readonly log: Logger,
    private readonly options: EvidenceRecorderOptions,
    private readonly clock: () => number = Date.now,
  ) {
    this.sweepTimer = setInterval(() => this.expireWaiting(), Math.max(50, Math.min(500, options.waitMs)));
    this.sweepTimer.unref();
    // Writes prune as they go; this catches age limits while nothing is written.
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  /** A raw frame from the bus: into the ring, and to any request waiting for it. */
  onFrame(frame: Frame): void {
    this.metrics.framesReceived.inc();
    if (!this.ring.put(frame)) return;
    const waiting = this.waiting.get(frame.cameraId);
    if (!waiting) return;
    const still: Waiting[] = [];
    for (const w of waiting) {
      if (w.request.streamEpoch === frame.streamEpoch && w.request.sequence === frame.sequence) this.enqueue(frame, w.request);
      else if (w.request.streamEpoch !== frame.streamEpoch || w.request.sequence < frame.sequence) this.missing('frame_not_received');
      else {
        still.push(w);
        continue;
      }
      this.waitingCount--;
    }
    if (still.length > 0) this.waiting.set(frame.cameraId, still);
    else this.waiting.delete(frame.cameraId);
  }

  request(request: EvidenceRequest): void {
    const key = EvidenceStore.key(request.cameraId, request.streamEpoch, request.sequence);
    if (this.store.has(key)) {
      void this.store.addReason(key, request.kind, request.flagId).catch((err: unknown) => this.log.warn({ err: errorMessage(err), key }, 'evidence metadata update failed'));
      return;
    }
    const frame = this.ring.get(request.cameraId, request.streamEpoch, request.sequence);
    if (frame) {
      this.enqueue(frame, request);
      return;
    }
    const newest = this.ring.newest(request.cameraId);
    const mayStillCome = !newest || newest.epoch !== request.streamEpoch || newest.sequence < request.sequence;
    if (!mayStillCome || this.options.waitMs === 0 || this.waitingCount >= MAX_WAITING) {
      this.missing(newest && newest.epoch === request.streamEpoch ? 'frame_gone' : 'frame_not_received');
      return;
    }
    const list = this.waiting.get(request.cameraId) ?? [];
    list.push({ request, deadline: this.clock() + this.options.waitMs });
    this.waiting.set(request.cameraId, list);
    this.waitingCount++;
  }

  /** Waits for the queue to empty (shutdown); requests still waiting for frames are given up. */
  async drain(): Promise<void> {
    clearInterval(this.sweepTimer);
    clearInterval(this.pruneTimer);
    for (const list of this.waiting.values()) for (let i = 0; i < list.length; i++) this.missing('frame_not_received');
    this.waiting.clear();
    this.waitingCount = 0;
    await this.worker;
  }

  private enqueue(frame: Frame, request: EvidenceRequest): void {
    if (this.queue.length >= this.options.queueSize) {
      this.missing('queue_full');
      return;
    }
    this.queue.push({ frame, request });
    this.metrics.evidenceQueueDepth.set(this.queue.length);
    this.worker ??= this.work().finally(() => (this.worker = undefined));
  }

  private async work(): Promise<void> {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      this.metrics.evidenceQueueDepth.set(this.queue.length);
      try {
        await this.write(job.frame, job.request);
      } catch (err) {
        if (err instanceof FrameTooLargeError) {
          this.missing('too_large');
          this.log.warn({ err: err.message, camera: job.request.cameraId, sequence: job.request.sequence }, 'evidence not kept: frame too large');
          continue;
        }
        this.missing('write_failed');
        this.log.error({ err: errorMessage(err), camera: job.request.cameraId, sequence: job.request.sequence }, 'evidence write failed');
      }
    }
  }

  private async write(frame: Frame, request: EvidenceRequest): Promise<void> {
    const key = EvidenceStore.key(request.cameraId, request.streamEpoch, request.sequence);
    if (this.store.has(key)) {
      await this.store.addReason(key, request.kind, request.flagId);
      return;
    }
    const jpeg = await frameToJpeg(frame, this.options.jpegQuality, this.options.maxFramePixels);
    await this.store.write(
      {
        version: 1,
        cameraId: request.cameraId,
        streamEpoch: request.streamEpoch,
        sequence: request.sequence,
        captureTsMs: frame.captureTsMs || request.captureTsMs,
        width: jpeg.width,
        height: jpeg.height,
        kinds: [request.kind],
        flagIds: request.flagId ? [request.flagId] : [],
        detections: request.detections.map(toStored),
        storedAtMs: this.clock(),
      },
      jpeg.data,
    );
    this.metrics.evidenceWrites.inc({ kind: request.kind });
    await this.prune();
  }

  private async prune(): Promise<void> {
    try {
      const pruned = await this.store.prune(this.clock());
      if (pruned.age) this.metrics.evidencePruned.inc({ reason: 'age' }, pruned.age);
      if (pruned.size) this.metrics.evidencePruned.inc({ reason: 'size' }, pruned.size);
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'evidence pruning failed');
    }
  }

  private expireWaiting(): void {
    const now = this.clock();
    for (const [camera, list] of this.waiting) {
      const still = list.filter((w) => w.deadline > now);
      for (let i = still.length; i < list.length; i++) this.missing('frame_not_received');
      this.waitingCount -= list.length - still.length;
      if (still.length > 0) this.waiting.set(camera, still);
      else this.waiting.delete(camera);
    }
  }

  private missing(reason: 'frame_gone' | 'frame_not_received' | 'queue_full' | 'too_large' | 'write_failed'): void {
    this.metrics.evidenceMissing.inc({ reason });
  }
}

function toStored(d: Detection): StoredDetection {
  const b = d.box ?? { x1: 0, y1: 0, x2: 0, y2: 0 };
  return { box: [b.x1, b.y1, b.x2, b.y2], score: d.score, classId: d.classId, className: d.className };
}
