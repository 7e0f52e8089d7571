import { errorMessage, type Logger, type NatsConnectionHandle } from '@va/common';
import { discoverCameras } from './camera-discovery.js';
import type { CameraLeases } from './camera-leases.js';
import { CameraWorker, type CameraWorkerDeps } from './camera-worker.js';
import { owns, type Partition } from './partitioning.js';
import type { ZoneStore } from './zones/zone-store.js';

export interface SupervisorOptions {
  nats: NatsConnectionHandle;
  partition: Partition;
  discoveryIntervalMs: number;
  maxCameras: number;
  leases: CameraLeases;
  zones: ZoneStore;
  workerDeps: CameraWorkerDeps;
  log: Logger;
}

/**
 * Decides which cameras this instance tracks: every discovery interval it lists the cameras with
 * detections, keeps those the partition function gives to this instance, takes their leases and
 * runs a CameraWorker for each. A camera whose lease is lost is stopped at once.
 */
export class CameraSupervisor {
  private readonly workers = new Map<string, CameraWorker>();
  private readonly starting = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private stopped = false;
  private readonly log: Logger;
  private overLimitLogged = false;

  constructor(private readonly options: SupervisorOptions) {
    this.log = options.log.child({ component: 'supervisor' });
    options.leases.onLost = (camera) => this.leaseLost(camera);
  }

  get partition(): Partition {
    return this.options.partition;
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

  /** Runs one discovery round now (also used by the timer; rounds never overlap). */
  reconcile(): Promise<void> {
    this.reconciling ??= this.reconcileOnce().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  /** The lease of a camera was lost: stop tracking it here. */
  leaseLost(camera: string): void {
    const w = this.workers.get(camera);
    if (!w) return;
    this.workers.delete(camera);
    this.options.workerDeps.metrics.ownedCameras.set(this.workers.size);
    void w.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.reconciling;
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(
      workers.map(async (w) => {
        await w.stop();
        await this.options.leases.release(w.camera);
      }),
    );
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
    const mine = cameras.filter((c) => owns(this.options.partition, c));
    // Cameras whose detections have all aged out of the stream are not tracked any more.
    const wanted = new Set(mine);
    for (const [camera, worker] of [...this.workers]) {
      if (wanted.has(camera) || this.stopped) continue;
      this.workers.delete(camera);
      this.options.workerDeps.metrics.ownedCameras.set(this.workers.size);
      this.log.info({ cameraId: camera }, 'camera has no detections left in the stream; no longer tracked');
      await worker.stop();
      await this.options.leases.release(camera);
    }
    for (const camera of mine) {
      if (this.stopped) return;
      if (this.workers.has(camera) || this.starting.has(camera)) continue;
      if (this.workers.size >= this.options.maxCameras) {
        if (!this.overLimitLogged) this.log.error({ maxCameras: this.options.maxCameras }, 'camera limit reached; further cameras are not tracked by this instance');
        this.overLimitLogged = true;
        break;
      }
      await this.startCamera(camera);
    }
  }

  private async startCamera(camera: string): Promise<void> {
    this.starting.add(camera);
    try {
      if (!(await this.options.leases.acquire(camera))) return;
      const worker = new CameraWorker(camera, this.options.workerDeps);
      const zones = this.options.zones.cached(camera);
      worker.setZones(zones.config, zones.revision);
      await worker.start();
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
