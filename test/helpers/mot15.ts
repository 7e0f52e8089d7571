import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { sharedFile } from './shared.js';

export interface GroundTruthBox {
  frame: number;
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

const SEQUENCE = 'data/mot15/PETS09-S2L1';

/** PETS09-S2L1 ground truth boxes (MOTChallenge gt.txt: frame,id,x,y,w,h,conf,...; 1-based frames). */
export function pets09GroundTruth(): GroundTruthBox[] {
  return readFileSync(sharedFile(`${SEQUENCE}/gt/gt.txt`), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => {
      const [frame, id, x, y, w, h] = l.split(',').map(Number) as [number, number, number, number, number, number];
      return { frame, id, x, y, w, h };
    });
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
