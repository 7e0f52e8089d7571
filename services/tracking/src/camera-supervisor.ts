import { errorMessage, type Logger, type NatsConnectionHandle } from '@va/common';
import { discoverCameras } from './camera-discovery.js';
import type { CameraLeases } from './camera-leases.js';
import { CameraWorker, type CameraWorkerDeps } from './camera-worker.js';
import { ownsCamera, type Membership } from './membership/membership.js';
import type { ZoneStore } from './zones/zone-store.js';

export interface SupervisorOptions {
  nats: NatsConnectionHandle;
  membership: Membership;
  discoveryIntervalMs: number;
  maxCameras: number;
  leases: CameraLeases;
  zones: ZoneStore;
  workerDeps: CameraWorkerDeps;
  log: Logger;
}

type ReleaseReason = 'reassigned' | 'lease_lost' | 'no_detections' | 'shutdown';

/**
 * Decides which cameras this instance tracks: every discovery interval, and at once when the
 * members change, it lists the cameras with detections, keeps those whose rendezvous owner among
 * the members is this instance, takes their leases and runs a CameraWorker for each. A camera
 * that now belongs to another member is handed over (its worker stops gracefully, then the lease
 * is released for the new owner); a camera whose lease is lost is stopped at once.
 */
export class CameraSupervisor {
  private readonly workers = new Map<string, CameraWorker>();
  private readonly starting = new Set<string>();
  /** Workers whose lease was lost, still stopping: their camera is not started again meanwhile. */
  private readonly draining = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly log: Logger;
  private overLimitLogged = false;

  constructor(private readonly options: SupervisorOptions) {
    this.log = options.log.child({ component: 'supervisor' });
    options.leases.onLost = (camera) => this.leaseLost(camera);
  }

  get membership(): Membership {
    return this.options.membership;
  }

  worker(camera: string): CameraWorker | undefined {
    return this.workers.get(camera);
  }

  get cameras(): CameraWorker[] {
    return [...this.workers.values()].sort((a, b) => a.camera.localeCompare(b.camera));
  }

  async start(): Promise<void> {
    await this.reconcile();
    this.timer = setInterval(() => void this.reconcile(), this.options.discoveryIntervalMs);
    this.timer.unref();
  }

  /**
   * Runs one discovery round now (also used by the timer and on membership changes). Rounds never
   * overlap; a request during a round runs another one after it, so no change is missed.
   */
  reconcile(): Promise<void> {
    if (this.reconciling) {
      this.again = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.again = false;
        await this.reconcileOnce();
      } while (this.again && !this.stopped);
    })().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  /** The lease of a camera was lost: stop tracking it here. */
  leaseLost(camera: string): void {
    const w = this.workers.get(camera);
    if (!w) return;
    this.forget(camera, 'lease_lost');
    const stopped = w.stop().finally(() => this.draining.delete(camera));
    this.draining.set(camera, stopped);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.reconciling;
    await Promise.all([...this.workers.keys()].map((camera) => this.release(camera, 'shutdown')));
    await Promise.all(this.draining.values());
    this.options.leases.stop();
    this.options.workerDeps.metrics.ownedCameras.set(0);
  }

  private async reconcileOnce(): Promise<void> {
    if (this.stopped) return;
    let cameras: string[];
    try {
      cameras = await discoverCameras(this.options.nats);
    } catch (err) {
      this.log.warn({ error: errorMessage(err) }, 'camera discovery failed; will retry');
      return;
    }
    const present = new Set(cameras);
    const mine = cameras.filter((c) => ownsCamera(this.options.membership, c));
    const wanted = new Set(mine);
    // Hand over the cameras that belong to another member now, and forget those whose
    // detections have all aged out of the stream; all at once, each to its own graceful end.
    const leaving = [...this.workers.keys()].filter((camera) => !wanted.has(camera));
    if (leaving.length > 0 && !this.stopped) {
      const reassigned = leaving.filter((c) => present.has(c));
      if (reassigned.length > 0)
        this.log.info(
          { cameras: reassigned, members: this.options.membership.members() },
          'cameras belong to another member now; handing them over',
        );
      await Promise.all(
        leaving.map((camera) => this.release(camera, present.has(camera) ? 'reassigned' : 'no_detections')),
      );
    }
    for (const camera of mine) {
      if (this.stopped) return;
      // A worker still stopping after its lease was lost would otherwise share the durable (its
      // naks and acks would land on the new worker's deliveries): its camera waits a round.
      if (this.workers.has(camera) || this.starting.has(camera) || this.draining.has(camera)) continue;
      if (this.workers.size >= this.options.maxCameras) {
        if (!this.overLimitLogged)
          this.log.error(
            { maxCameras: this.options.maxCameras },
            'camera limit reached; further cameras are not tracked by this instance',
          );
        this.overLimitLogged = true;
        break;
      }
      await this.startCamera(camera);
    }
  }

  /** Stops a camera's worker gracefully (tracks ended, unprocessed frames handed back), then frees its lease. */
  private async release(camera: string, reason: ReleaseReason): Promise<void> {
    const worker = this.workers.get(camera);
    if (!worker) return;
    this.forget(camera, reason);
    if (reason === 'no_detections')
      this.log.info({ cameraId: camera }, 'camera has no detections left in the stream; no longer tracked');
    await worker.stop();
    await this.options.leases.release(camera);
  }

  private forget(camera: string, reason: ReleaseReason): void {
    this.workers.delete(camera);
    const m = this.options.workerDeps.metrics;
    m.ownedCameras.set(this.workers.size);
    m.camerasReleased.inc({ reason });
  }

  private async startCamera(camera: string): Promise<void> {
    this.starting.add(camera);
    try {
      if (!(await this.options.leases.acquire(camera))) return;
      const worker = new CameraWorker(camera, this.options.workerDeps);
      const zones = this.options.zones.cached(camera);
      worker.setZones(zones.config, zones.revision);
      await worker.start();
      if (!this.options.leases.has(camera)) {
        // The lease was lost while the worker started (leaseLost found no worker to stop yet).
        this.log.warn({ cameraId: camera }, 'camera lease lost while starting its tracker; stopped');
        await worker.stop();
        return;
      }
      this.workers.set(camera, worker);
      this.options.workerDeps.metrics.ownedCameras.set(this.workers.size);
      this.log.info({ cameraId: camera }, 'tracking camera');
    } catch (err) {
      this.log.error({ cameraId: camera, error: errorMessage(err) }, 'could not start tracking camera; will retry');
      await this.options.leases.release(camera);
    } finally {
      this.starting.delete(camera);
    }
  }
}
