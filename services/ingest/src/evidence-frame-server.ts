import type { Msg, NatsConnection, Subscription } from 'nats';
import {
  codecs,
  errorMessage,
  evidenceFrameAnswerHeaders,
  parseEvidenceFrameRequest,
  subjects,
  type EvidenceFrameStatus,
  type Logger,
} from '@va/common';
import { frameToJpeg } from './frame-jpeg.js';
import type { PublishedFrameRing } from './published-frame-ring.js';

export interface EvidenceFrameServerOptions {
  /** Frames being JPEG-encoded at once; a request beyond it is answered `busy` at once (nothing queues). */
  maxConcurrent: number;
  /** Largest frame (frame or source size, pixels) encoded: ingest's own frame-size limit. */
  maxPixels: number;
}

export interface EvidenceFrameServerHooks {
  answered(status: EvidenceFrameStatus): void;
  encoded(seconds: number): void;
}

/**
 * Answers va.evidence-frame.<camera> requests from the published-frame ring: the frame as JPEG in
 * source-frame pixels (frame-jpeg.ts: letterbox padding cut off, scaled back to the source size,
 * where the boxes of detections and flags are), or why not (evidence-frame.ts in common).
 * Encoding runs on sharp's worker threads, so the frame path waits for none of it; the number
 * of encodes at once is bounded, and the frame's buffer stays pinned in the ring meanwhile.
 *
 * It subscribes camera by camera, to the cameras it has kept frames of: with several ingest
 * deployments (one per stream registry) only the one holding a camera answers for it, and a
 * camera no ingest knows gets NATS's "no responders" at once.
 */
export class EvidenceFrameServer {
  private readonly subs = new Map<string, Subscription>();
  private stopped = false;
  private inFlight = 0;
  private readonly encodes = new Set<Promise<void>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly ring: PublishedFrameRing,
    private readonly options: EvidenceFrameServerOptions,
    private readonly hooks: EvidenceFrameServerHooks,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.ring.onNewCamera = (cameraId) => this.subscribe(cameraId);
    for (const cameraId of this.ring.cameraIds()) this.subscribe(cameraId);
  }

  /** Takes no more requests and waits for the encodes under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.ring.onNewCamera = () => {};
    await Promise.all([...this.subs.values()].map((sub) => sub.drain().catch(() => undefined)));
    await Promise.all(this.encodes);
  }

  private subscribe(cameraId: string): void {
    if (this.stopped || this.subs.has(cameraId)) return;
    const sub = this.nc.subscribe(subjects.evidenceFrame(cameraId), {
      callback: (err, msg) => {
        if (err) this.log.error({ err: errorMessage(err), cameraId }, 'evidence-frame subscription error');
        else this.handle(msg);
      },
    });
    this.subs.set(cameraId, sub);
  }

  private handle(msg: Msg): void {
    if (!msg.reply) return; // a publish, not a request: nobody to answer
    const camera = subjects.cameraOf(msg.subject);
    if (camera === undefined) return this.refuse(msg, 'bad_request', `"${msg.subject}" does not end in a camera id`);
    let request;
    try {
      request = parseEvidenceFrameRequest(msg.data);
    } catch (err) {
      return this.refuse(msg, 'bad_request', errorMessage(err));
    }
    const found = this.ring.lookup(camera, request.streamEpoch, request.sequence);
    if (typeof found === 'string') {
      const why = {
        aged_out: `frame ${request.sequence} of ${camera} (epoch ${request.streamEpoch}) is no longer kept`,
        not_published: `frame ${request.sequence} of ${camera} (epoch ${request.streamEpoch}) was not published`,
        unknown_camera: `no frames of camera ${camera} here`,
      }[found];
      return this.refuse(msg, found, why);
    }
    if (this.inFlight >= this.options.maxConcurrent) {
      found.unpin();
      return this.refuse(msg, 'busy', `${this.inFlight} frames being encoded; ask again later`);
    }
    this.inFlight++;
    const started = performance.now();
    const quality = request.quality;
    const encode = Promise.resolve()
      .then(() => frameToJpeg(codecs.frame.decode(found.message), quality, this.options.maxPixels))
      .then(
        (jpeg) => {
          this.hooks.encoded((performance.now() - started) / 1000);
          this.answer(msg, 'ok', () =>
            msg.respond(jpeg.data, {
              headers: evidenceFrameAnswerHeaders({ status: 'ok', width: jpeg.width, height: jpeg.height }),
            }),
          );
        },
        (err: unknown) => this.refuse(msg, 'failed', errorMessage(err)),
      )
      .finally(() => {
        found.unpin();
        this.inFlight--;
        this.encodes.delete(encode);
      });
    this.encodes.add(encode);
  }

  private refuse(msg: Msg, status: Exclude<EvidenceFrameStatus, 'ok'>, error: string): void {
    this.answer(msg, status, () =>
      msg.respond(new Uint8Array(0), { headers: evidenceFrameAnswerHeaders({ status, error }) }),
    );
  }

  private answer(msg: Msg, status: EvidenceFrameStatus, respond: () => boolean): void {
    this.hooks.answered(status);
    try {
      respond();
    } catch (err) {
      this.log.warn({ err: errorMessage(err), status }, 'evidence-frame answer not sent');
    }
  }
}
