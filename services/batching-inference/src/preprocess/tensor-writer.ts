import type { InputArray } from '../tensors/tensors.js';
import type { RgbImage } from './image.js';
import type { Placement } from './letterbox.js';

export interface PixelSpec {
  width: number;
  height: number;
  layout: 'NCHW' | 'NHWC';
  channelOrder: 'RGB' | 'BGR';
  /** value = (pixel * scale - mean[c]) / std[c]; ignored when `raw` is set. */
  scale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  padValue: number;
  /** Write the 0..255 values unchanged (uint8 input normalised inside the graph). */
  raw: boolean;
}

/** A rectangle of the source image, in its pixels (fractions allowed). */
export interface SourceRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Writes an image into one slot of a batch tensor in a single pass: crop, bilinear resize
 * (OpenCV INTER_LINEAR's sampling, rounded to 8 bits as the models were trained on), letterbox
 * padding, channel order, normalisation and layout. No intermediate image is made.
 */
export class TensorWriter {
  /** Per model channel: 8-bit value -> normalised value. */
  private readonly luts: [Float32Array, Float32Array, Float32Array];

  constructor(readonly spec: PixelSpec) {
    const lut = (c: 0 | 1 | 2) => {
      const t = new Float32Array(256);
      for (let v = 0; v < 256; v++) t[v] = spec.raw ? v : (v * spec.scale - spec.mean[c]) / spec.std[c];
      return t;
    };
    this.luts = [lut(0), lut(1), lut(2)];
  }

  /** Fills `slot` with `image` (or the `crop` of it) placed at `placement`, the rest padded. */
  write(slot: InputArray, image: RgbImage, placement: Placement, crop?: SourceRect): void {
    const { width: W, height: H, layout } = this.spec;
    const rect = crop ?? { x: 0, y: 0, width: image.width, height: image.height };
    const covers = placement.x === 0 && placement.y === 0 && placement.width === W && placement.height === H;
    if (!covers) this.fillPad(slot);

    // Model channel c reads source channel srcCh[c].
    const swap = image.order !== this.spec.channelOrder;
    const s0 = swap ? 2 : 0;
    const s2 = swap ? 0 : 2;
    const [l0, l1, l2] = this.luts;
    const plane = W * H;
    const nchw = layout === 'NCHW';
    const src = image.data;
    const iw = image.width;
    const pw = placement.width;
    const ph = placement.height;
    const scaleX = rect.width / pw;
    const scaleY = rect.height / ph;

    if (scaleX === 1 && scaleY === 1 && Number.isInteger(rect.x) && Number.isInteger(rect.y)) {
      for (let dy = 0; dy < ph; dy++) {
        let si = ((rect.y + dy) * iw + rect.x) * 3;
        let o = (placement.y + dy) * W + placement.x;
        for (let dx = 0; dx < pw; dx++, si += 3, o++) {
          const a = src[si + s0] as number;
          const b = src[si + 1] as number;
          const c = src[si + s2] as number;
          if (nchw) {
            slot[o] = l0[a] as number;
            slot[o + plane] = l1[b] as number;
            slot[o + 2 * plane] = l2[c] as number;
          } else {
            slot[o * 3] = l0[a] as number;
            slot[o * 3 + 1] = l1[b] as number;
            slot[o * 3 + 2] = l2[c] as number;
          }
        }
      }
      return;
    }

    const xLo = Math.max(0, Math.floor(rect.x));
    const xHi = Math.min(iw - 1, Math.ceil(rect.x + rect.width) - 1);
    const yLo = Math.max(0, Math.floor(rect.y));
    const yHi = Math.min(image.height - 1, Math.ceil(rect.y + rect.height) - 1);
    const x0s = new Int32Array(pw);
    const x1s = new Int32Array(pw);
    const wxs = new Float32Array(pw);
    for (let dx = 0; dx < pw; dx++) {
      const fx = Math.min(Math.max((dx + 0.5) * scaleX - 0.5 + rect.x, xLo), xHi);
      const x0 = Math.floor(fx);
      x0s[dx] = x0 * 3;
      x1s[dx] = Math.min(x0 + 1, xHi) * 3;
      wxs[dx] = fx - x0;
    }
    // Separable: each source row is interpolated horizontally once (kept for the next output
    // row, which usually needs it again), then output rows blend two of those rows vertically.
    const rows = new RowCache(src, iw * 3, pw, x0s, x1s, wxs, s0, s2);
    for (let dy = 0; dy < ph; dy++) {
      const fy = Math.min(Math.max((dy + 0.5) * scaleY - 0.5 + rect.y, yLo), yHi);
      const y0 = Math.floor(fy);
      const wy = fy - y0;
      const r0 = rows.row(y0);
      const r1 = rows.row(Math.min(y0 + 1, yHi));
      const o = (placement.y + dy) * W + placement.x;
      if (nchw) blendPlanar(slot, o, plane, r0, r1, wy, pw, l0, l1, l2);
      else blendInterleaved(slot, o * 3, r0, r1, wy, pw, l0, l1, l2);
    }
  }

  private fillPad(slot: InputArray): void {
    const { width: W, height: H, padValue, layout } = this.spec;
    const plane = W * H;
    const [l0, l1, l2] = this.luts;
    const p0 = l0[padValue] as number;
    const p1 = l1[padValue] as number;
    const p2 = l2[padValue] as number;
    if (layout === 'NCHW') {
      slot.fill(p0, 0, plane);
      slot.fill(p1, plane, 2 * plane);
      slot.fill(p2, 2 * plane, 3 * plane);
      return;
    }
    for (let i = 0; i < plane * 3; i += 3) {
      slot[i] = p0;
      slot[i + 1] = p1;
      slot[i + 2] = p2;
    }
  }
}

/** Blends two horizontally resized rows into one output row of an NCHW slot (planes R, G, B apart). */
function blendPlanar(
  slot: InputArray,
  o: number,
  plane: number,
  r0: Float32Array,
  r1: Float32Array,
  wy: number,
  width: number,
  l0: Float32Array,
  l1: Float32Array,
  l2: Float32Array,
): void {
  for (let dx = 0, i = 0; dx < width; dx++, i += 3) {
    const a0 = r0[i] as number;
    const a1 = r0[i + 1] as number;
    const a2 = r0[i + 2] as number;
    slot[o + dx] = l0[(a0 + ((r1[i] as number) - a0) * wy + 0.5) | 0] as number;
    slot[o + dx + plane] = l1[(a1 + ((r1[i + 1] as number) - a1) * wy + 0.5) | 0] as number;
    slot[o + dx + 2 * plane] = l2[(a2 + ((r1[i + 2] as number) - a2) * wy + 0.5) | 0] as number;
  }
}

/** The same for an NHWC slot (channels interleaved). */
function blendInterleaved(
  slot: InputArray,
  k: number,
  r0: Float32Array,
  r1: Float32Array,
  wy: number,
  width: number,
  l0: Float32Array,
  l1: Float32Array,
  l2: Float32Array,
): void {
  for (let i = 0; i < width * 3; i += 3, k += 3) {
    const a0 = r0[i] as number;
    const a1 = r0[i + 1] as number;
    const a2 = r0[i + 2] as number;
    slot[k] = l0[(a0 + ((r1[i] as number) - a0) * wy + 0.5) | 0] as number;
    slot[k + 1] = l1[(a1 + ((r1[i + 1] as number) - a1) * wy + 0.5) | 0] as number;
    slot[k + 2] = l2[(a2 + ((r1[i + 2] as number) - a2) * wy + 0.5) | 0] as number;
  }
}

/**
 * Source rows interpolated horizontally to the output width, in the model's channel order; the
 * two most recently used are kept (consecutive output rows share source rows).
 */
class RowCache {
  private readonly bufs: [Float32Array, Float32Array];
  private readonly ys: [number, number] = [-1, -1];
  private next = 0;

  constructor(
    private readonly src: Uint8Array,
    private readonly stride: number,
    private readonly width: number,
    private readonly x0s: Int32Array,
    private readonly x1s: Int32Array,
    private readonly wxs: Float32Array,
    private readonly s0: number,
    private readonly s2: number,
  ) {
    this.bufs = [new Float32Array(width * 3), new Float32Array(width * 3)];
  }

  row(y: number): Float32Array {
    if (this.ys[0] === y) return this.bufs[0];
    if (this.ys[1] === y) return this.bufs[1];
    const slot = this.next;
    this.next = 1 - slot;
    this.ys[slot] = y;
    const out = this.bufs[slot] as Float32Array;
    const { src, x0s, x1s, wxs, s0, s2 } = this;
    const base = y * this.stride;
    for (let dx = 0, i = 0; dx < this.width; dx++, i += 3) {
      const a = base + (x0s[dx] as number);
      const b = base + (x1s[dx] as number);
      const wx = wxs[dx] as number;
      const p0 = src[a + s0] as number;
      const p1 = src[a + 1] as number;
      const p2 = src[a + s2] as number;
      out[i] = p0 + ((src[b + s0] as number) - p0) * wx;
      out[i + 1] = p1 + ((src[b + 1] as number) - p1) * wx;
      out[i + 2] = p2 + ((src[b + s2] as number) - p2) * wx;
    }
    return out;
  }
}
