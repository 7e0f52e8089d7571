import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMot, readSeqInfo } from '@va/tracking/eval';
import type { MotSequence } from './detection-source.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The MOT15 sequences in the shared data folder (VA_SHARED_DIR, default ../shared). */
export function loadMotSequence(name: string): MotSequence {
  const dir = join(resolve(REPO_ROOT, process.env.VA_SHARED_DIR ?? '../shared'), 'data', 'mot15', name);
  const gtPath = join(dir, 'gt', 'gt.txt');
  const iniPath = join(dir, 'seqinfo.ini');
  for (const p of [gtPath, iniPath]) {
    if (!existsSync(p)) throw new Error(`${p} not found; set VA_SHARED_DIR to the folder holding data/mot15`);
  }
  const info = readSeqInfo(iniPath);
  const gt = readMot(gtPath);
  const video = readdirSync(dir).find((f) => f.endsWith('.mp4'));
  // The shared copy may hold fewer frames than seqinfo says (PETS09-S2L1: 300 of 795): use the ground truth's extent.
  const length = Math.min(info.seqLength, Math.max(...gt.map((r) => r.frame)));
  return {
    name,
    dir,
    frameRate: info.frameRate,
    length,
    width: info.imWidth,
    height: info.imHeight,
    gt,
    video: video ? join(dir, video) : undefined,
  };
}

export const BENCH_SEQUENCES = ['PETS09-S2L1', 'TUD-Campus'];
