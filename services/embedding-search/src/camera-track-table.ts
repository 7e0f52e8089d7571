/** What the table needs of an entry: its key (`<camera>/<track>`) and its camera. */
export interface CameraTrack {
  readonly key: string;
  readonly cameraId: string;
}

/**
 * The tracks a component keeps state for, least recently updated first (the eviction order), with
 * each camera's keys at hand: a track missing from its camera's update has left, and the caller
 * finds those by the camera's keys.
 */
export class CameraTrackTable<T extends CameraTrack> {
  private readonly tracks = new Map<string, T>();
  private readonly byCamera = new Map<string, Set<string>>();

  get size(): number {
    return this.tracks.size;
  }

  get(key: string): T | undefined {
    return this.tracks.get(key);
  }

  has(key: string): boolean {
    return this.tracks.has(key);
  }

  /** Adds a track as the most recently updated, or marks a known one so. */
  touch(entry: T): void {
    if (this.tracks.delete(entry.key)) {
      this.tracks.set(entry.key, entry);
      return;
    }
    this.tracks.set(entry.key, entry);
    let keys = this.byCamera.get(entry.cameraId);
    if (!keys) this.byCamera.set(entry.cameraId, (keys = new Set()));
    keys.add(entry.key);
  }

  delete(entry: T): void {
    this.tracks.delete(entry.key);
    const keys = this.byCamera.get(entry.cameraId);
    keys?.delete(entry.key);
    if (keys?.size === 0) this.byCamera.delete(entry.cameraId);
  }

  /** A copy of the camera's tracks, so the caller may delete while it walks them. */
  ofCamera(cameraId: string): T[] {
    return [...(this.byCamera.get(cameraId) ?? [])].map((key) => this.tracks.get(key) as T);
  }

  /** The least recently updated track. */
  oldest(): T | undefined {
    return this.tracks.values().next().value;
  }
}
