import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type EvidenceKind = 'flag' | 'low-confidence';

/** A detection as stored beside the image: box corners in source-frame pixels. */
export interface StoredDetection {
  box: [number, number, number, number];
  score: number;
  classId: number;
  className: string;
}

/** The JSON sidecar of one stored frame. */
export interface EvidenceMeta {
  version: 1;
  cameraId: string;
  streamEpoch: string;
  sequence: number;
  captureTsMs: number;
  width: number;
  height: number;
  kinds: EvidenceKind[];
  flagIds: string[];
  detections: StoredDetection[];
  storedAtMs: number;
}

export interface EvidenceStoreOptions {
  maxBytes: number;
  maxAgeMs: number;
}

interface Entry {
  meta: EvidenceMeta;
  imageBytes: number;
  metaBytes: number;
}

export interface PruneResult {
  age: number;
  size: number;
}

/**
 * Frames that flags point to, as JPEG files with a JSON sidecar holding the frame's detections:
 * <dir>/<camera>/<epoch>/<sequence>.jpg and .json. Both are written to a temporary name and renamed,
 * the JSON last, so a frame is in the store only once both are complete. Retention is by age and
 * by total size (oldest first). The index lives in memory and is rebuilt by reading the sidecars
 * at start-up.
 */
export class EvidenceStore {
  private readonly entries = new Map<string, Entry>();
  private totalBytes = 0;

  private constructor(
    readonly dir: string,
    private readonly options: EvidenceStoreOptions,
  ) {}

  static async open(dir: string, options: EvidenceStoreOptions): Promise<EvidenceStore> {
    const store = new EvidenceStore(dir, options);
    await mkdir(dir, { recursive: true });
    await store.scan();
    return store;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get images(): number {
    return this.entries.size;
  }

  static key(cameraId: string, streamEpoch: string, sequence: number): string {
    return `${cameraId}/${epochToken(streamEpoch)}/${sequence}`;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  meta(key: string): EvidenceMeta | undefined {
    return this.entries.get(key)?.meta;
  }

  imagePath(key: string): string {
    return join(this.dir, `${key}.jpg`);
  }

  /** Every stored frame's metadata, oldest first. */
  all(): EvidenceMeta[] {
    return [...this.entries.values()].map((e) => e.meta);
  }

  async write(meta: EvidenceMeta, jpeg: Buffer): Promise<void> {
    const key = EvidenceStore.key(meta.cameraId, meta.streamEpoch, meta.sequence);
    const base = join(this.dir, key);
    await mkdir(join(base, '..'), { recursive: true });
    await writeFile(`${base}.jpg.tmp`, jpeg);
    await rename(`${base}.jpg.tmp`, `${base}.jpg`);
    const metaBytes = await writeMeta(base, meta);
    const previous = this.entries.get(key);
    if (previous) this.totalBytes -= previous.imageBytes + previous.metaBytes;
    this.entries.delete(key);
    this.entries.set(key, { meta, imageBytes: jpeg.byteLength, metaBytes });
    this.totalBytes += jpeg.byteLength + metaBytes;
  }

  /** Records another reason to keep a stored frame (a second flag on it, or a sample that is also flagged). */
  async addReason(key: string, kind: EvidenceKind, flagId?: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    const meta = entry.meta;
    const kinds = meta.kinds.includes(kind) ? meta.kinds : [...meta.kinds, kind];
    const flagIds = flagId && !meta.flagIds.includes(flagId) ? [...meta.flagIds, flagId] : meta.flagIds;
    if (kinds === meta.kinds && flagIds === meta.flagIds) return;
    const updated: EvidenceMeta = { ...meta, kinds, flagIds };
    const metaBytes = await writeMeta(join(this.dir, key), updated);
    this.totalBytes += metaBytes - entry.metaBytes;
    entry.metaBytes = metaBytes;
    entry.meta = updated;
  }

  /** Deletes frames older than the age limit, then the oldest until the size limit holds. */
  async prune(nowMs: number): Promise<PruneResult> {
    const result: PruneResult = { age: 0, size: 0 };
    for (const [key, entry] of this.entries) {
      if (nowMs - entry.meta.storedAtMs <= this.options.maxAgeMs) break;
      await this.remove(key, entry);
      result.age++;
    }
    for (const [key, entry] of this.entries) {
      if (this.totalBytes <= this.options.maxBytes) break;
      await this.remove(key, entry);
      result.size++;
    }
    return result;
  }

  private async remove(key: string, entry: Entry): Promise<void> {
    this.entries.delete(key);
    this.totalBytes -= entry.imageBytes + entry.metaBytes;
    const base = join(this.dir, key);
    // The sidecar goes first: without it the image is no longer part of the store.
    await rm(`${base}.json`, { force: true });
    await rm(`${base}.jpg`, { force: true });
  }

  private async scan(): Promise<void> {
    const found: Entry[] = [];
    for (const camera of await readdir(this.dir).catch(() => [] as string[])) {
      for (const epoch of await readdir(join(this.dir, camera)).catch(() => [] as string[])) {
        const folder = join(this.dir, camera, epoch);
        for (const name of await readdir(folder).catch(() => [] as string[])) {
          if (!name.endsWith('.json')) continue;
          const entry = await readEntry(join(folder, name));
          if (entry) found.push(entry);
        }
      }
    }
    found.sort((a, b) => a.meta.storedAtMs - b.meta.storedAtMs);
    for (const entry of found) {
      this.entries.set(EvidenceStore.key(entry.meta.cameraId, entry.meta.streamEpoch, entry.meta.sequence), entry);
      this.totalBytes += entry.imageBytes + entry.metaBytes;
    }
  }
}

async function readEntry(jsonPath: string): Promise<Entry | undefined> {
  try {
    const text = await readFile(jsonPath, 'utf8');
    const meta = JSON.parse(text) as EvidenceMeta;
    if (meta.version !== 1 || typeof meta.cameraId !== 'string' || typeof meta.sequence !== 'number') return undefined;
    const image = await stat(jsonPath.replace(/\.json$/, '.jpg'));
    return { meta, imageBytes: image.size, metaBytes: Buffer.byteLength(text) };
  } catch {
    return undefined;
  }
}

/** Writes the sidecar atomically; returns its size. */
async function writeMeta(base: string, meta: EvidenceMeta): Promise<number> {
  const json = Buffer.from(JSON.stringify(meta));
  await writeFile(`${base}.json.tmp`, json);
  await rename(`${base}.json.tmp`, `${base}.json`);
  return json.byteLength;
}

/** A stream epoch as a folder name: itself when it is a safe token, otherwise a hash of it. */
function epochToken(epoch: string): string {
  if (epoch === '') return '_';
  if (/^[A-Za-z0-9_-]{1,64}$/.test(epoch)) return epoch;
  return `h${createHash('sha256').update(epoch).digest('hex').slice(0, 16)}`;
}
