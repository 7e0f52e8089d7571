import { join } from 'node:path';
import sharp from 'sharp';
import type { CocoDataset } from './coco-format.js';

/** Tolerance for boxes that touch the image edge after rounding. */
const EDGE_PX = 0.5;

/**
 * Checks a COCO detection dataset the way a training pipeline would rely on it: the top-level
 * arrays, unique ids, every reference resolving, every bbox finite, positive and inside its image,
 * area equal to w*h. Returns the problems found (empty when valid).
 */
export function cocoProblems(data: CocoDataset): string[] {
  const problems: string[] = [];
  if (typeof data !== 'object' || data === null) return ['not an object'];
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(data[key])) problems.push(`${key} is not an array`);
  }
  if (typeof data.info !== 'object' || data.info === null) problems.push('info is missing');
  if (problems.length > 0) return problems;
  const images = new Map<number, { width: number; height: number }>();
  const files = new Set<string>();
  for (const img of data.images) {
    if (!Number.isInteger(img.id) || img.id <= 0) problems.push(`image id ${img.id} is not a positive integer`);
    if (images.has(img.id)) problems.push(`image id ${img.id} is used twice`);
    if (!img.file_name || files.has(img.file_name))
      problems.push(`image ${img.id}: file_name "${img.file_name}" is empty or used twice`);
    if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0)
      problems.push(`image ${img.id}: size ${img.width}x${img.height} is not positive`);
    images.set(img.id, { width: img.width, height: img.height });
    files.add(img.file_name);
  }
  const categories = new Set<number>();
  const names = new Set<string>();
  for (const c of data.categories) {
    if (!Number.isInteger(c.id) || c.id <= 0 || categories.has(c.id))
      problems.push(`category id ${c.id} is not a unique positive integer`);
    if (!c.name || names.has(c.name)) problems.push(`category ${c.id}: name "${c.name}" is empty or used twice`);
    categories.add(c.id);
    names.add(c.name);
  }
  const annotationIds = new Set<number>();
  for (const a of data.annotations) {
    const where = `annotation ${a.id}`;
    if (!Number.isInteger(a.id) || a.id <= 0 || annotationIds.has(a.id))
      problems.push(`${where}: id is not a unique positive integer`);
    annotationIds.add(a.id);
    const img = images.get(a.image_id);
    if (!img) problems.push(`${where}: image_id ${a.image_id} does not exist`);
    if (!categories.has(a.category_id)) problems.push(`${where}: category_id ${a.category_id} does not exist`);
    if (a.iscrowd !== 0 && a.iscrowd !== 1) problems.push(`${where}: iscrowd must be 0 or 1`);
    if (!Array.isArray(a.bbox) || a.bbox.length !== 4 || !a.bbox.every(Number.isFinite)) {
      problems.push(`${where}: bbox must be four finite numbers`);
      continue;
    }
    const [x, y, w, h] = a.bbox;
    if (w <= 0 || h <= 0) problems.push(`${where}: bbox has no area`);
    if (img && (x < -EDGE_PX || y < -EDGE_PX || x + w > img.width + EDGE_PX || y + h > img.height + EDGE_PX)) {
      problems.push(`${where}: bbox [${a.bbox.join(', ')}] is outside its ${img.width}x${img.height} image`);
    }
    if (Math.abs(a.area - w * h) > 0.01 * Math.max(1, w * h)) problems.push(`${where}: area ${a.area} is not w*h`);
  }
  return problems;
}

/** Checks that every image file exists under `imagesDir`, is a JPEG and has the size the dataset states. */
export async function cocoFileProblems(data: CocoDataset, imagesDir: string): Promise<string[]> {
  const problems: string[] = [];
  for (const img of data.images) {
    try {
      const meta = await sharp(join(imagesDir, img.file_name)).metadata();
      if (meta.format !== 'jpeg') problems.push(`${img.file_name}: is ${meta.format}, not jpeg`);
      if (meta.width !== img.width || meta.height !== img.height)
        problems.push(`${img.file_name}: is ${meta.width}x${meta.height}, dataset says ${img.width}x${img.height}`);
    } catch (err) {
      problems.push(`${img.file_name}: unreadable (${(err as Error).message})`);
    }
  }
  return problems;
}
