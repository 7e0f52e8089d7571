import sharp from 'sharp';
import { readGroundTruth, type GroundTruthBox } from './sanity-scenes/mot-ground-truth.js';
import { sharedFile } from './shared.js';

const SEQUENCE = 'data/mot15/PETS09-S2L1';

/** PETS09-S2L1 ground truth boxes (MOTChallenge gt.txt; 1-based frames). */
export function pets09GroundTruth(): GroundTruthBox[] {
  return [...readGroundTruth(sharedFile(`${SEQUENCE}/gt/gt.txt`)).values()].flat();
}

/** The frames of PETS09-S2L1 kept as original JPEGs in img1/. */
export const PETS09_JPEG_FRAMES = [1, 100, 200, 300] as const;

export interface PersonCrop extends GroundTruthBox {
  /** The person's crop from the original JPEG, re-encoded as JPEG. */
  jpeg: Buffer;
}

/** Every ground-truth person in one of the original JPEG frames, cropped (clamped to the image). */
export async function pets09Crops(frame: (typeof PETS09_JPEG_FRAMES)[number]): Promise<PersonCrop[]> {
  const file = sharedFile(`${SEQUENCE}/img1/${String(frame).padStart(6, '0')}.jpg`);
  const image = sharp(file);
  const { width = 0, height = 0 } = await image.metadata();
  const boxes = pets09GroundTruth().filter((b) => b.frame === frame);
  return Promise.all(
    boxes.map(async (b) => {
      const left = Math.max(0, Math.round(b.x));
      const top = Math.max(0, Math.round(b.y));
      const w = Math.min(width - left, Math.round(b.w));
      const h = Math.min(height - top, Math.round(b.h));
      const jpeg = await sharp(file).extract({ left, top, width: w, height: h }).jpeg({ quality: 95 }).toBuffer();
      return { ...b, jpeg };
    }),
  );
}
