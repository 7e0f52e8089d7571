import type { KV } from 'nats';
import { errorMessage, openKvBucket, type Logger, type NatsConnectionHandle } from '@va/common';

interface Held {
  revision: number;
  renewedAt: number;
}

/**
 * Exclusive ownership of cameras through a KV bucket whose entries expire after ttlMs. The
 * partition function decides which instance should track a camera; the lease makes sure that
 * at most one does, even while instances are restarted with a different partition count or two
 * are misconfigured with the same index: a camera's frames are never consumed by two trackers.
 * Leases are renewed every ttl/3 with a compare-and-set; an instance that cannot renew for a
 * whole ttl, or finds the lease taken, gives the camera up.
 */
export class CameraLeases {
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;
  private readonly encoder = new TextEncoder();

  private constructor(
    private readonly kv: KV,
    readonly owner: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  /** Called with a camera whose lease this instance lost. */
  onLost: (camera: string) => void = () => {};

  /** `replicas` is VA_JS_REPLICAS. */
  static async open(
    nats: NatsConnectionHandle,
    options: { bucket: string; replicas: number; ttlMs: number; owner: string; log: Logger },
  ): Promise<CameraLeases> {
    const kv = await openKvBucket(nats, options.bucket, options.replicas, { ttlMs: options.ttlMs, history: 1 });
    return new CameraLeases(kv, options.owner, options.ttlMs, options.log.child({ component: 'leases' }));
  }

  start(): void {
    this.timer = setInterval(() => void this.renewAll(), Math.max(200, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  has(camera: string): boolean {
    return this.held.has(camera);
  }

  /** Takes the camera's lease when nobody holds it; false when another instance does. */
  async acquire(camera: string): Promise<boolean> {
    if (this.held.has(camera)) return true;
    try {
      const revision = await this.kv.create(camera, this.encoder.encode(this.owner));
      this.held.set(camera, { revision, renewedAt: Date.now() });
      return true;
    } catch (err) {
      this.log.debug({ camera, error: errorMessage(err) }, 'lease held elsewhere');
      return false;
    }
  }

  /** Gives the camera up so the next owner need not wait for the lease to expire. */
  async release(camera: string): Promise<void> {
    const h = this.held.get(camera);
    this.held.delete(camera);
    if (!h) return;
    try {
      await this.kv.delete(camera, { previousSeq: h.revision });
    } catch (err) {
      this.log.warn({ camera, error: errorMessage(err) }, 'could not release lease; it will expire');
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async renewAll(): Promise<void> {
    if (this.renewing) return; // a slow round (NATS trouble) is still going
    this.renewing = true;
    try {
      await this.renewEach();
    } finally {
      this.renewing = false;
    }
  }

  private async renewEach(): Promise<void> {
    for (const [camera, h] of [...this.held]) {
      try {
        h.revision = await this.kv.update(camera, this.encoder.encode(this.owner), h.revision);
        h.renewedAt = Date.now();
      } catch (err) {
        const message = errorMessage(err);
        const taken = /wrong last sequence/i.test(message);
        if (taken || Date.now() - h.renewedAt >= this.ttlMs) {
          this.held.delete(camera);
          this.log.warn({ camera, error: message }, 'camera lease lost; stopping its tracker');
          this.onLost(camera);
        }
      }
    }
  }
}
