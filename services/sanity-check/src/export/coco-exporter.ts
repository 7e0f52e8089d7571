import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReviewStatus, type Flag } from '@va/proto/va/common/v1/flag';
import type { BBox } from '@va/proto/va/common/v1/geometry';
import { EvidenceStore, type EvidenceMeta } from '../evidence/evidence-store.js';
import type { FlagStore } from '../flags/flag-store.js';
import { iou, isFiniteBox } from '../rules/geometry.js';
import type { CocoAnnotation, CocoDataset, CocoImage } from './coco-format.js';
import { cocoFileProblems, cocoProblems } from './coco-validate.js';

export interface ExportRequest {
  cameraIds: string[];
  rules: string[];
  fromMs: number;
  toMs: number;
  /** Also export stored low-confidence samples with a detection below this score; 0: none. */
  lowConfidenceBelow: number;
  maxImages: number;
}

export interface ExportResult {
  exportId: string;
  path: string;
  images: number;
  annotations: number;
  flags: number;
  flagsWithoutImage: number;
  lowConfidenceImages: number;
}

export interface CocoExporterOptions {
  dir: string;
  /** Exports kept on disk; older ones are deleted after a new one is written. */
  keep: number;
}

/** A model detection that overlaps a flag's box this much is the same object: annotated once. */
const SAME_OBJECT_IOU = 0.7;

interface Pending {
  key: string;
  meta: EvidenceMeta;
  flags: Flag[];
  source: 'flag' | 'low-confidence';
}

/**
 * Writes a labeling set in COCO format: confirmed flags whose frame is in the evidence store, then
 * low-confidence samples, as images/<camera>_<epoch>_<sequence>.jpg plus annotations.json. A
 * flag's boxes become annotations (va_source "flag"); the model's other detections on the same
 * frame are added as pre-labels (va_source "detection") so the labeler corrects a complete frame.
 * Boxes are clipped to the image; boxes with no finite area are left out. Confirmed flags whose
 * frame was never captured are not in the COCO file (an image is what a labeler needs) but listed
 * in skipped.json. The set is validated, then moved into place in one rename.
 */
export class CocoExporter {
  constructor(
    private readonly flags: FlagStore,
    private readonly evidence: EvidenceStore,
    private readonly options: CocoExporterOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  async export(request: ExportRequest): Promise<ExportResult> {
    const confirmed = this.flags.query({
      cameraIds: request.cameraIds,
      rules: request.rules,
      reviewStatuses: [ReviewStatus.REVIEW_STATUS_CONFIRMED],
      fromMs: request.fromMs,
      toMs: request.toMs,
    });
    const pending = new Map<string, Pending>();
    const skipped: Flag[] = [];
    for (const flag of confirmed) {
      const key = EvidenceStore.key(flag.cameraId, flag.streamEpoch, flag.sequence);
      const meta = this.evidence.meta(key);
      if (!meta) {
        skipped.push(flag);
        continue;
      }
      const entry = pending.get(key) ?? { key, meta, flags: [], source: 'flag' as const };
      entry.flags.push(flag);
      pending.set(key, entry);
    }
    const chosen = [...pending.values()].slice(0, request.maxImages);
    if (request.lowConfidenceBelow > 0) {
      for (const meta of this.evidence.all()) {
        if (chosen.length >= request.maxImages) break;
        const key = EvidenceStore.key(meta.cameraId, meta.streamEpoch, meta.sequence);
        if (pending.has(key) || !meta.kinds.includes('low-confidence')) continue;
        if (request.cameraIds.length > 0 && !request.cameraIds.includes(meta.cameraId)) continue;
        if ((request.fromMs && meta.captureTsMs < request.fromMs) || (request.toMs && meta.captureTsMs > request.toMs))
          continue;
        if (!meta.detections.some((d) => d.score < request.lowConfidenceBelow)) continue;
        chosen.push({ key, meta, flags: [], source: 'low-confidence' });
      }
    }
    const dataset = this.build(chosen, request.lowConfidenceBelow);
    const exportId = `${new Date(this.clock()).toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
    const path = await this.write(exportId, dataset, chosen, skipped);
    await this.applyRetention();
    const exportedFlags = chosen.reduce((n, c) => n + c.flags.length, 0);
    return {
      exportId,
      path,
      images: dataset.images.length,
      annotations: dataset.annotations.length,
      flags: exportedFlags,
      flagsWithoutImage: skipped.length,
      lowConfidenceImages: chosen.filter((c) => c.source === 'low-confidence').length,
    };
  }

  private build(chosen: Pending[], lowBelow: number): CocoDataset {
    const images: CocoImage[] = [];
    const annotations: CocoAnnotation[] = [];
    const rawAnnotations: Array<Omit<CocoAnnotation, 'id' | 'category_id'> & { className: string }> = [];
    chosen.forEach((c, i) => {
      const id = i + 1;
      const { meta } = c;
      images.push({
        id,
        file_name: fileName(meta),
        width: meta.width,
        height: meta.height,
        date_captured: new Date(meta.captureTsMs).toISOString(),
        va_camera_id: meta.cameraId,
        va_stream_epoch: meta.streamEpoch,
        va_sequence: meta.sequence,
        va_capture_ts_ms: meta.captureTsMs,
        va_source: c.source,
        va_flag_ids: c.flags.map((f) => f.flagId),
      });
      const flagBoxes: Array<{ box: BBox; className: string }> = [];
      for (const flag of c.flags) {
        flag.boxes.forEach((box, b) => {
          const className = flag.classNames[b] || 'unknown';
          const bbox = cocoBox(box, meta.width, meta.height);
          if (!bbox) return;
          flagBoxes.push({ box, className });
          rawAnnotations.push({
            image_id: id,
            bbox,
            area: bbox[2] * bbox[3],
            iscrowd: 0,
            score: flag.scores[b] ?? 0,
            va_source: 'flag',
            va_flag_id: flag.flagId,
            va_rule: flag.rule,
            className,
          });
        });
      }
      for (const d of meta.detections) {
        const box = { x1: d.box[0], y1: d.box[1], x2: d.box[2], y2: d.box[3] };
        const className = d.className || 'unknown';
        if (flagBoxes.some((f) => f.className === className && isFiniteBox(box) && iou(f.box, box) >= SAME_OBJECT_IOU))
          continue;
        const bbox = cocoBox(box, meta.width, meta.height);
        if (!bbox) continue;
        rawAnnotations.push({
          image_id: id,
          bbox,
          area: bbox[2] * bbox[3],
          iscrowd: 0,
          score: d.score,
          va_source: 'detection',
          ...(lowBelow > 0 ? { va_low_confidence: d.score < lowBelow } : {}),
          className,
        });
      }
    });
    const names = [...new Set(rawAnnotations.map((a) => a.className))].sort();
    const categoryOf = new Map(names.map((n, i) => [n, i + 1]));
    rawAnnotations.forEach(({ className, ...a }, i) =>
      annotations.push({ id: i + 1, category_id: categoryOf.get(className) as number, ...a }),
    );
    const now = new Date(this.clock());
    return {
      info: {
        description: 'va sanity-check labeling set: confirmed flags and low-confidence samples',
        version: '1',
        year: now.getUTCFullYear(),
        date_created: now.toISOString(),
        contributor: 'va sanity-check',
      },
      licenses: [],
      images,
      annotations,
      categories: names.map((name, i) => ({ id: i + 1, name, supercategory: 'object' })),
    };
  }

  private async write(exportId: string, dataset: CocoDataset, chosen: Pending[], skipped: Flag[]): Promise<string> {
    const final = join(this.options.dir, exportId);
    const tmp = join(this.options.dir, `.tmp-${exportId}`);
    const imagesDir = join(tmp, 'images');
    await mkdir(imagesDir, { recursive: true });
    try {
      for (const c of chosen) await copyFile(this.evidence.imagePath(c.key), join(imagesDir, fileName(c.meta)));
      await writeFile(join(tmp, 'annotations.json'), JSON.stringify(dataset));
      const skippedList = skipped.map((f) => ({
        flag_id: f.flagId,
        rule: f.rule,
        camera_id: f.cameraId,
        sequence: f.sequence,
        ts_ms: f.tsMs,
        reason: 'frame not captured (gone from the frame ring or never received)',
      }));
      await writeFile(join(tmp, 'skipped.json'), JSON.stringify(skippedList, null, 1));
      const problems = [...cocoProblems(dataset), ...(await cocoFileProblems(dataset, imagesDir))];
      if (problems.length > 0) throw new Error(`export failed validation: ${problems.slice(0, 5).join('; ')}`);
      await rename(tmp, final);
      return final;
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  private async applyRetention(): Promise<void> {
    const names = (await readdir(this.options.dir)).filter((n) => !n.startsWith('.')).sort();
    for (const name of names.slice(0, Math.max(0, names.length - this.options.keep))) {
      await rm(join(this.options.dir, name), { recursive: true, force: true });
    }
  }
}

function fileName(meta: EvidenceMeta): string {
  return `${EvidenceStore.key(meta.cameraId, meta.streamEpoch, meta.sequence).replace(/\//g, '_')}.jpg`;
}

/** [x, y, w, h] clipped to the image and rounded to 0.01 px; undefined when nothing finite is left. */
function cocoBox(b: BBox, width: number, height: number): [number, number, number, number] | undefined {
  if (!isFiniteBox(b)) return undefined;
  const x1 = Math.min(width, Math.max(0, b.x1));
  const y1 = Math.min(height, Math.max(0, b.y1));
  const x2 = Math.min(width, Math.max(0, b.x2));
  const y2 = Math.min(height, Math.max(0, b.y2));
  const r = (v: number) => Math.round(v * 100) / 100;
  const w = r(x2 - x1);
  const h = r(y2 - y1);
  if (w < 1 || h < 1) return undefined;
  return [r(x1), r(y1), w, h];
}
