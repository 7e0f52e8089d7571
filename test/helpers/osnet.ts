import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { sharedFile } from './shared.js';

const WIDTH = 128;
const HEIGHT = 256;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

export interface OsnetEmbedder {
  /** L2-normalised 512-d embeddings of encoded crops (JPEG, PNG, WebP); throws on undecodable images. */
  embed(crops: readonly Uint8Array[]): Promise<number[][]>;
  /** Model identity, as the inference service reports it. */
  model: { name: string; version: string };
  close(): Promise<void>;
}

/**
 * The real OSNet x0.25 (MSMT17) ReID model from ../shared/models on ONNX Runtime (CPU): crops are
 * resized to 128x256 (as torchreid does), RGB, ImageNet mean/std, NCHW float32; the [batch,512]
 * output is L2-normalised like the inference service's embeddings.
 */
export async function loadOsnet(): Promise<OsnetEmbedder> {
  const session = await ort.InferenceSession.create(sharedFile('models/osnet_x0_25_msmt17.onnx'), { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  const input = session.inputNames[0] as string;
  const output = session.outputNames[0] as string;
  return {
    model: { name: 'osnet_x0_25_msmt17', version: '1' },
    async embed(crops) {
      if (crops.length === 0) return [];
      const plane = WIDTH * HEIGHT;
      const data = new Float32Array(crops.length * 3 * plane);
      for (const [n, crop] of crops.entries()) {
        const rgb = await sharp(crop).removeAlpha().resize(WIDTH, HEIGHT, { fit: 'fill' }).raw().toBuffer();
        const base = n * 3 * plane;
        for (let p = 0; p < plane; p++) {
          for (let c = 0; c < 3; c++) data[base + c * plane + p] = ((rgb[p * 3 + c] as number) / 255 - (MEAN[c] as number)) / (STD[c] as number);
        }
      }
      const result = await session.run({ [input]: new ort.Tensor('float32', data, [crops.length, 3, HEIGHT, WIDTH]) });
      const out = result[output]?.data as Float32Array;
      const dims = out.length / crops.length;
      return crops.map((_, n) => normalise(Array.from(out.subarray(n * dims, (n + 1) * dims))));
    },
    close: () => session.release(),
  };
}

export function normalise(v: number[]): number[] {
  const norm = Math.hypot(...v);
  return norm > 0 ? v.map((x) => x / norm) : v;
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}
