import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RgbImage } from './image.js';
import { TensorWriter, type PixelSpec } from './tensor-writer.js';

const base: PixelSpec = {
  width: 4,
  height: 4,
  layout: 'NCHW',
  channelOrder: 'RGB',
  scale: 1,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  padValue: 114,
  raw: false,
};

function image(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
  order: 'RGB' | 'BGR' = 'RGB',
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { data, width, height, order };
}

describe('TensorWriter: crop, resize, pad, channel order, normalise, layout in one pass', () => {
  it('copies an image of the input size exactly, swapping channels for a BGR model', () => {
    const w = new TensorWriter({ ...base, width: 2, height: 1, channelOrder: 'BGR' });
    const slot = new Float32Array(6);
    w.write(
      slot,
      image(2, 1, (x) => [10 + x, 20 + x, 30 + x]),
      { x: 0, y: 0, width: 2, height: 1 },
    );
    assert.deepEqual(Array.from(slot), [30, 31, 20, 21, 10, 11], 'planes B, G, R');
  });

  it('normalises per channel and writes NHWC', () => {
    const w = new TensorWriter({
      ...base,
      width: 1,
      height: 1,
      layout: 'NHWC',
      scale: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.25, 0.5],
    });
    const slot = new Float32Array(3);
    w.write(
      slot,
      image(1, 1, () => [255, 0, 51]),
      { x: 0, y: 0, width: 1, height: 1 },
    );
    assert.ok(Math.abs((slot[0] as number) - 1) < 1e-6);
    assert.ok(Math.abs((slot[1] as number) + 2) < 1e-6);
    assert.ok(Math.abs((slot[2] as number) + 0.6) < 1e-6);
  });

  it('upscales with OpenCV INTER_LINEAR sampling (half-pixel centres, edge clamp, 8-bit rounding)', () => {
    const w = new TensorWriter({ ...base, width: 4, height: 1 });
    const slot = new Float32Array(12);
    w.write(
      slot,
      image(2, 1, (x) => (x === 0 ? [0, 0, 0] : [100, 100, 100])),
      { x: 0, y: 0, width: 4, height: 1 },
    );
    assert.deepEqual(Array.from(slot.subarray(0, 4)), [0, 25, 75, 100]);
  });

  it('pads the letterbox area with the pad value and places the picture', () => {
    const w = new TensorWriter({ ...base, raw: true });
    const slot = new Uint8Array(48);
    w.write(
      slot,
      image(2, 1, () => [1, 2, 3]),
      { x: 0, y: 1, width: 4, height: 2 },
    );
    const red = Array.from(slot.subarray(0, 16));
    assert.deepEqual(red, [114, 114, 114, 114, 1, 1, 1, 1, 1, 1, 1, 1, 114, 114, 114, 114]);
    assert.equal(slot[16 + 4], 2);
    assert.equal(slot[32 + 4], 3);
  });

  it('resizes a crop of the image, not the whole image', () => {
    const w = new TensorWriter({ ...base, width: 2, height: 2, raw: true });
    const slot = new Uint8Array(12);
    // Left half black, right half white: a 2x2 crop of the right half is all white.
    w.write(
      slot,
      image(8, 4, (x) => (x >= 4 ? [255, 255, 255] : [0, 0, 0])),
      { x: 0, y: 0, width: 2, height: 2 },
      { x: 4, y: 0, width: 4, height: 4 },
    );
    assert.deepEqual(Array.from(slot), new Array(12).fill(255));
  });
});
