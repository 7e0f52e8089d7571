import type { InputArray } from '../runtime/model-runner.js';
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
    const rowStride = iw * 3;
    for (let dy = 0; dy < ph; dy++) {
      const fy = Math.min(Math.max((dy + 0.5) * scaleY - 0.5 + rect.y, yLo), yHi);
      const y0 = Math.floor(fy);
      const wy = fy - y0;
      const r0 = y0 * rowStride;
      const r1 = Math.min(y0 + 1, yHi) * rowStride;
      let o = (placement.y + dy) * W + placement.x;
      for (let dx = 0; dx < pw; dx++, o++) {
        const wx = wxs[dx] as number;
        const a = r0 + (x0s[dx] as number);
        const b = r0 + (x1s[dx] as number);
        const c = r1 + (x0s[dx] as number);
        const d = r1 + (x1s[dx] as number);
        const v0 = lerp2(src, a + s0, b + s0, c + s0, d + s0, wx, wy);
        const v1 = lerp2(src, a + 1, b + 1, c + 1, d + 1, wx, wy);
        const v2 = lerp2(src, a + s2, b + s2, c + s2, d + s2, wx, wy);
        if (nchw) {
          slot[o] = l0[v0] as number;
          slot[o + plane] = l1[v1] as number;
          slot[o + 2 * plane] = l2[v2] as number;
        } else {
          slot[o * 3] = l0[v0] as number;
          slot[o * 3 + 1] = l1[v1] as number;
          slot[o * 3 + 2] = l2[v2] as number;
        }
      }
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

/** Bilinear sample of one channel, rounded to the nearest 8-bit value. */
function lerp2(src: Uint8Array, a: number, b: number, c: number, d: number, wx: number, wy: number): number {
  const pa = src[a] as number;
  const pc = src[c] as number;
  const top = pa + ((src[b] as number) - pa) * wx;
  const bottom = pc + ((src[d] as number) - pc) * wx;
  return (top + (bottom - top) * wy + 0.5) | 0;
}
