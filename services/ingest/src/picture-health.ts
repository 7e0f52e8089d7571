import type { FrameStats } from '@va/proto/va/common/v1/frame';

/** Side of the coarse grid of per-region brightness and contrast. */
export const REGION_GRID = 4;
/** Side of the grey thumbnail published for freeze and view-shift checks downstream. */
export const THUMB_SIDE = 32;
const LUMA_BINS = 64;
/** flat_share counts samples within this many histogram bins (4 levels each) of the most common one. */
const FLAT_BINS_AROUND = 2;

export type PictureHealth = Pick<
  FrameStats,
  | 'meanRed'
  | 'meanGreen'
  | 'meanBlue'
  | 'regionLuma'
  | 'regionContrast'
  | 'sharpness'
  | 'noise'
  | 'flatShare'
  | 'greyThumb'
>;

/**
 * Camera-health signals from the sample grid ingest's frame statistics already read (a side x side
 * grid of pixel positions inside letterbox padding, and the luma of each): channel means, brightness
 * and contrast per cell of a 4 x 4 grid, pixel-scale sharpness and noise from a Laplacian of green
 * around each sample, the share of samples at the most common level (a flat picture), and a 32 x 32
 * grey thumbnail. Judging them is left to sanity-check, which learns each camera's own baseline; this
 * only measures, with nothing allocated per frame but the published arrays.
 */
export class PictureHealthSampler {
  private readonly regionOf: Uint8Array;
  private readonly thumbOf: Uint16Array;
  /** Byte distance to a sample's left/right and upper/lower neighbour pixels (read for inner samples only). */
  private readonly dx: number;
  private readonly dy: number;
  private readonly inner: Uint8Array;
  private readonly regionSum = new Float64Array(REGION_GRID * REGION_GRID);
  private readonly regionSumSq = new Float64Array(REGION_GRID * REGION_GRID);
  private readonly regionCount = new Uint32Array(REGION_GRID * REGION_GRID);
  private readonly thumbSum = new Uint32Array(THUMB_SIDE * THUMB_SIDE);
  private readonly thumbCount = new Uint32Array(THUMB_SIDE * THUMB_SIDE);
  private readonly lumaHist = new Uint32Array(LUMA_BINS);
  private readonly lapHist = new Uint32Array(256);

  /**
   * `side`: the sample grid's side; `positions`: byte offset of each sample's pixel (row-major);
   * `stepX`/`stepY`: pixels between neighbouring samples (neighbours read for the Laplacian must stay
   * inside the region); `width`: the image width in pixels.
   */
  constructor(
    private readonly side: number,
    private readonly positions: Int32Array,
    width: number,
    stepX: number,
    stepY: number,
    private readonly rOff: number,
    private readonly bOff: number,
  ) {
    const n = side * side;
    this.regionOf = new Uint8Array(n);
    this.thumbOf = new Uint16Array(n);
    this.inner = new Uint8Array(n);
    this.dx = 3;
    this.dy = width * 3;
    const neighbours = stepX >= 2 && stepY >= 2;
    for (let gy = 0; gy < side; gy++) {
      for (let gx = 0; gx < side; gx++) {
        const i = gy * side + gx;
        this.regionOf[i] = Math.floor((gy * REGION_GRID) / side) * REGION_GRID + Math.floor((gx * REGION_GRID) / side);
        this.thumbOf[i] = Math.floor((gy * THUMB_SIDE) / side) * THUMB_SIDE + Math.floor((gx * THUMB_SIDE) / side);
        // The outermost samples may sit on the region's edge; pixel neighbours of inner ones never leave it.
        this.inner[i] = neighbours && gx > 0 && gy > 0 && gx < side - 1 && gy < side - 1 ? 1 : 0;
      }
    }
    this.thumbCount.fill(0);
    for (let i = 0; i < n; i++)
      this.thumbCount[this.thumbOf[i] as number] = (this.thumbCount[this.thumbOf[i] as number] as number) + 1;
    for (let i = 0; i < n; i++)
      this.regionCount[this.regionOf[i] as number] = (this.regionCount[this.regionOf[i] as number] as number) + 1;
  }

  /** `luma`: the luma of each sample, as FrameStatsSampler.compute just read it. */
  measure(pixels: Uint8Array, offset: number, luma: Uint8Array): PictureHealth {
    const {
      positions,
      regionOf,
      thumbOf,
      inner,
      regionSum,
      regionSumSq,
      thumbSum,
      lumaHist,
      lapHist,
      dx,
      dy,
      rOff,
      bOff,
    } = this;
    regionSum.fill(0);
    regionSumSq.fill(0);
    thumbSum.fill(0);
    lumaHist.fill(0);
    lapHist.fill(0);
    let r = 0;
    let g = 0;
    let b = 0;
    let lapSq = 0;
    let lapN = 0;
    const n = positions.length;
    for (let i = 0; i < n; i++) {
      const p = offset + (positions[i] as number);
      const q = p + 1;
      const green = pixels[q] as number;
      r += pixels[p + rOff] as number;
      g += green;
      b += pixels[p + bOff] as number;
      const y = luma[i] as number;
      const region = regionOf[i] as number;
      regionSum[region] = (regionSum[region] as number) + y;
      regionSumSq[region] = (regionSumSq[region] as number) + y * y;
      const cell = thumbOf[i] as number;
      thumbSum[cell] = (thumbSum[cell] as number) + y;
      const bin = y >> 2;
      lumaHist[bin] = (lumaHist[bin] as number) + 1;
      if (inner[i] === 1) {
        const lap =
          4 * green -
          (pixels[q - dx] as number) -
          (pixels[q + dx] as number) -
          (pixels[q - dy] as number) -
          (pixels[q + dy] as number);
        lapSq += lap * lap;
        lapN++;
        const a = lap < 0 ? -lap : lap;
        lapHist[a > 255 ? 255 : a] = (lapHist[a > 255 ? 255 : a] as number) + 1;
      }
    }
    const regions = REGION_GRID * REGION_GRID;
    const regionLuma = new Array<number>(regions);
    const regionContrast = new Array<number>(regions);
    for (let k = 0; k < regions; k++) {
      const count = this.regionCount[k] as number;
      const mean = count > 0 ? (regionSum[k] as number) / count : 0;
      regionLuma[k] = mean;
      regionContrast[k] = count > 0 ? Math.sqrt(Math.max(0, (regionSumSq[k] as number) / count - mean * mean)) : 0;
    }
    const greyThumb = new Uint8Array(THUMB_SIDE * THUMB_SIDE);
    for (let c = 0; c < greyThumb.length; c++) {
      const count = this.thumbCount[c] as number;
      greyThumb[c] = count > 0 ? Math.round((thumbSum[c] as number) / count) : 0;
    }
    return {
      meanRed: r / n,
      meanGreen: g / n,
      meanBlue: b / n,
      regionLuma,
      regionContrast,
      sharpness: lapN > 0 ? lapSq / lapN : 0,
      noise: lapN > 0 ? median(lapHist, lapN) : 0,
      flatShare: flatShare(lumaHist, n),
      greyThumb,
    };
  }
}

/** The median of values counted in a histogram of unit bins (upper bin taken at an even split). */
function median(hist: Uint32Array, total: number): number {
  const half = total / 2;
  let seen = 0;
  for (let v = 0; v < hist.length; v++) {
    seen += hist[v] as number;
    if (seen >= half) return v;
  }
  return hist.length - 1;
}

function flatShare(hist: Uint32Array, total: number): number {
  let mode = 0;
  for (let k = 1; k < hist.length; k++) if ((hist[k] as number) > (hist[mode] as number)) mode = k;
  let near = 0;
  for (let k = Math.max(0, mode - FLAT_BINS_AROUND); k <= Math.min(hist.length - 1, mode + FLAT_BINS_AROUND); k++)
    near += hist[k] as number;
  return total > 0 ? near / total : 0;
}
