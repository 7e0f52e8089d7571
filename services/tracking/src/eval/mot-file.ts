import { readFileSync } from 'node:fs';

/** One line of a MOTChallenge file: frame,id,x,y,w,h,conf[,x,y,z] or (MOT16+) frame,id,x,y,w,h,conf,class,visibility. */
export interface MotRow {
  frame: number;
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  conf: number;
  /** Column 8: the class in MOT16+ ground truth; the world x (or -1) in MOT15. */
  col8: number;
  /** Column 9: visibility in MOT16+ ground truth. */
  col9: number;
}

/** Parses MOTChallenge text; throws naming the line for anything that is not 6+ numbers. */
export function parseMot(text: string, source = 'input'): MotRow[] {
  const rows: MotRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const f = line.split(/[,\s]+/).map(Number);
    if (f.length < 6 || f.slice(0, 6).some((v) => !Number.isFinite(v))) {
      throw new Error(`${source}:${i + 1}: expected frame,id,x,y,w,h[,conf,...] numbers, got "${line.slice(0, 80)}"`);
    }
    rows.push({
      frame: f[0] as number,
      id: f[1] as number,
      x: f[2] as number,
      y: f[3] as number,
      w: f[4] as number,
      h: f[5] as number,
      conf: Number.isFinite(f[6]) ? (f[6] as number) : 1,
      col8: Number.isFinite(f[7]) ? (f[7] as number) : -1,
      col9: Number.isFinite(f[8]) ? (f[8] as number) : -1,
    });
  }
  return rows;
}

export function readMot(path: string): MotRow[] {
  return parseMot(readFileSync(path, 'utf8'), path);
}

/** Tracker output in the MOTChallenge result format (conf 1, world coordinates -1). */
export function formatMot(rows: ReadonlyArray<Pick<MotRow, 'frame' | 'id' | 'x' | 'y' | 'w' | 'h'>>): string {
  const r = (v: number) => String(Math.round(v * 1000) / 1000);
  return (
    rows.map((row) => `${row.frame},${row.id},${r(row.x)},${r(row.y)},${r(row.w)},${r(row.h)},1,-1,-1,-1`).join('\n') +
    (rows.length ? '\n' : '')
  );
}

/** Reads a sequence's seqinfo.ini ([Sequence] name, frameRate, seqLength, imWidth, imHeight). */
export function readSeqInfo(path: string): {
  name: string;
  frameRate: number;
  seqLength: number;
  imWidth: number;
  imHeight: number;
} {
  const values = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const m = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) values.set(m[1] as string, m[2] as string);
  }
  const num = (k: string) => {
    const v = Number(values.get(k));
    if (!Number.isFinite(v)) throw new Error(`${path}: ${k} missing or not a number`);
    return v;
  };
  return {
    name: values.get('name') ?? '',
    frameRate: num('frameRate'),
    seqLength: num('seqLength'),
    imWidth: num('imWidth'),
    imHeight: num('imHeight'),
  };
}
