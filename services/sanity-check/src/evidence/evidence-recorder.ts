import sharp from 'sharp';
import { errorMessage, type Logger } from '@va/common';
import type { Detection } from '@va/proto/va/common/v1/detection';
import type { SanityMetrics } from '../metrics.js';
import { EvidenceStore, type EvidenceKind, type StoredDetection } from './evidence-store.js';
import type { EvidenceFrameSource, FetchedFrame } from './ingest-frame-source.js';

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
  /** Requests waiting for their frame to be fetched at most; more are dropped and counted. */
  queueSize: number;
  jpegQuality: number;
  /** Images larger than this (pixels, read from the JPEG header) are not kept: missing as too_large. */
  maxFramePixels: number;
}

/** Why a flagged or sampled frame has no image (the `reason` label of evidence_missing_total). */
export type MissingReason =
  | 'frame_gone' // aged out of ingest's frame ring (or its stream restarted)
  | 'frame_not_published' // ingest dropped the frame before publishing it
  | 'unknown_camera' // ingest has no frames of the camera
  | 'ingest_busy' // ingest was encoding as many frames as it may
  | 'ingest_unavailable' // no ingest answered, or not in time
  | 'fetch_failed' // ingest could not encode it, or the answer was not understood
  | 'queue_full'
  | 'too_large'
  | 'write_failed';

const PRUNE_EVERY_MS = 60_000;

/**
 * Turns "keep the image of this frame" into a JPEG in the evidence store. The frame is asked of
 * ingest, which keeps the frames it published for a short while (services/ingest, "Evidence
 * frames"); a frame no longer there is gone for good: the flag stays, without an image, and is
 * counted in evidence_missing_total with the reason. Requests are fetched and written one at a
 * time off the message path, through a bounded queue.
 */
export class EvidenceRecorder {
  private readonly queue: EvidenceRequest[] = [];
  private worker: Promise<void> | undefined;
  private readonly pruneTimer: NodeJS.Timeout;

  constructor(
    private readonly source: EvidenceFrameSource,
    private readonly store: EvidenceStore,
    private readonly metrics: SanityMetrics,
    private readonly log: Logger,
    private readonly options: EvidenceRecorderOptions,
    private readonly clock: () => number = Date.now,
  ) {
    // Writes prune as they go; this catches age limits while nothing is written.
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  request(request: EvidenceRequest): void {
    const key = EvidenceStore.key(request.cameraId, request.streamEpoch, request.sequence);
    if (this.store.has(key)) {
      void this.store
        .addReason(key, request.kind, request.flagId)
        .catch((err: unknown) => this.log.warn({ err: errorMessage(err), key }, 'evidence metadata update failed'));
      return;
    }
    if (this.queue.length >= this.options.queueSize) {
      this.missing('queue_full');
      return;
    }
    this.queue.push(request);
    this.metrics.evidenceQueueDepth.set(this.queue.length);
    this.worker ??= this.work().finally(() => (this.worker = undefined));
  }

  /** Waits for the queue to empty (shutdown). */
  async drain(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.worker;
  }

  private async work(): Promise<void> {
    for (let request = this.queue.shift(); request; request = this.queue.shift()) {
      this.metrics.evidenceQueueDepth.set(this.queue.length);
      const where = { camera: request.cameraId, epoch: request.streamEpoch, sequence: request.sequence };
      try {
        await this.record(request, where);
      } catch (err) {
        this.missing('write_failed');
        this.log.error({ err: errorMessage(err), ...where }, 'evidence write failed');
      }
    }
  }

  private async record(request: EvidenceRequest, where: object): Promise<void> {
    const key = EvidenceStore.key(request.cameraId, request.streamEpoch, request.sequence);
    if (this.store.has(key)) {
      await this.store.addReason(key, request.kind, request.flagId);
      return;
    }
    const answer = await this.source.fetch(request, this.options.jpegQuality);
    if (answer.status !== 'ok') {
      this.missing(MISSING_BY_STATUS[answer.status]);
      const log =
        answer.status === 'aged_out' || answer.status === 'not_published'
          ? this.log.debug.bind(this.log)
          : this.log.warn.bind(this.log);
      log(
        { status: answer.status, err: answer.error, ...where },
        'evidence frame not fetched; the flag stays without an image',
      );
      return;
    }
    // The header only: the image is checked against the pixel limit before anything is decoded or kept.
    const header = await sharp(answer.jpeg, { limitInputPixels: false })
      .metadata()
      .catch(() => undefined);
    if (!header || header.format !== 'jpeg' || header.width !== answer.width || header.height !== answer.height) {
      this.missing('fetch_failed');
      this.log.warn({ ...where, format: header?.format }, 'evidence frame answer is not the JPEG it says it is');
      return;
    }
    if (answer.width * answer.height > this.options.maxFramePixels) {
      this.missing('too_large');
      this.log.warn({ ...where, width: answer.width, height: answer.height }, 'evidence not kept: frame too large');
      return;
    }
    await this.store.write(
      {
        version: 1,
        cameraId: request.cameraId,
        streamEpoch: request.streamEpoch,
        sequence: request.sequence,
        captureTsMs: request.captureTsMs,
        width: answer.width,
        height: answer.height,
        kinds: [request.kind],
        flagIds: request.flagId ? [request.flagId] : [],
        detections: request.detections.map(toStored),
        storedAtMs: this.clock(),
      },
      Buffer.from(answer.jpeg.buffer, answer.jpeg.byteOffset, answer.jpeg.byteLength),
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

  private missing(reason: MissingReason): void {
    this.metrics.evidenceMissing.inc({ reason });
  }
}

const MISSING_BY_STATUS: Record<Exclude<FetchedFrame['status'], 'ok'>, MissingReason> = {
  aged_out: 'frame_gone',
  not_published: 'frame_not_published',
  unknown_camera: 'unknown_camera',
  busy: 'ingest_busy',
  unavailable: 'ingest_unavailable',
  bad_request: 'fetch_failed',
  failed: 'fetch_failed',
};

function toStored(d: Detection): StoredDetection {
  const b = d.box ?? { x1: 0, y1: 0, x2: 0, y2: 0 };
  return { box: [b.x1, b.y1, b.x2, b.y2], score: d.score, classId: d.classId, className: d.className };
}
