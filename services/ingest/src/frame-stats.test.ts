import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeFrameStats } from './frame-stats.js';
import { letterboxGeometry, resizeFilters } from './letterbox.js';

function image(w: number, h: number, fill: (x: number, y: number) => [number, number, number]): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(fill(x, y), (y * w + x) * 3);
  return px;
}

describe('frame stats', () => {
  it('measures mean luma and spread', () => {
    const grey = computeFrameStats(
      image(64, 48, () => [128, 128, 128]),
      0,
      64,
      48,
      false,
    );
    assert.equal(Math.round(grey.meanLuma), 128);
    assert.equal(grey.lumaStddev, 0);
    const dark = computeFrameStats(
      image(64, 48, () => [2, 2, 2]),
      0,
      64,
      48,
      false,
    );
    assert.ok(dark.meanLuma < 3);
    const halves = computeFrameStats(
      image(64, 48, (x) => (x < 32 ? [0, 0, 0] : [255, 255, 255])),
      0,
      64,
      48,
      false,
    );
    assert.ok(Math.abs(halves.meanLuma - 127) < 2 && halves.lumaStddev > 120);
  });

  it('gives equal hashes for a frozen picture and different ones when something moves', () => {
    const scene = (carX: number) =>
      image(320, 180, (x, y) => (x >= carX && x < carX + 20 && y >= 80 && y < 100 ? [250, 20, 20] : [90, 110, 90]));
    const a = computeFrameStats(scene(40), 0, 320, 180, false).thumbHash;
    assert.equal(computeFrameStats(scene(40), 0, 320, 180, false).thumbHash, a, 'frozen');
    assert.notEqual(computeFrameStats(scene(60), 0, 320, 180, false).thumbHash, a, 'a 20 px move changes it');
    assert.ok(a > 0 && a <= Number.MAX_SAFE_INTEGER, 'fits the generated code (forceLong=number)');
  });

  it('reads BGR as BGR and skips letterbox padding', () => {
    const red = image(32, 32, () => [255, 0, 0]);
    assert.ok(Math.abs(computeFrameStats(red, 0, 32, 32, false).meanLuma - 76) < 2);
    assert.ok(Math.abs(computeFrameStats(red, 0, 32, 32, true).meanLuma - 28) < 2, 'the same bytes as BGR are blue');
    const boxed = image(40, 40, (_x, y) => (y < 10 || y >= 30 ? [114, 114, 114] : [0, 0, 0]));
    assert.equal(computeFrameStats(boxed, 0, 40, 40, false, { x: 0, y: 10, width: 40, height: 20 }).meanLuma, 0);
  });
});

describe('picture health', () => {
  const checker = (x: number, y: number): [number, number, number] =>
    ((x >> 2) + (y >> 2)) % 2 === 0 ? [200, 180, 160] : [40, 50, 60];

  it('measures per-region brightness and contrast: a covered half is dark and flat', () => {
    const half = computeFrameStats(
      image(256, 144, (x, y) => (x < 128 ? [0, 0, 0] : checker(x, y))),
      0,
      256,
      144,
      false,
    );
    assert.equal(half.regionLuma.length, 16);
    for (let k = 0; k < 16; k++) {
      const left = k % 4 < 2;
      assert.ok(
        left ? half.regionLuma[k] === 0 && half.regionContrast[k] === 0 : half.regionContrast[k]! > 40,
        `region ${k}: ${half.regionLuma[k]}, ${half.regionContrast[k]}`,
      );
    }
  });

  it('reads channel means, sharpness, noise and flat share, and a 32 x 32 grey thumbnail', () => {
    const sharp = computeFrameStats(image(256, 144, checker), 0, 256, 144, false);
    assert.ok(
      Math.abs(sharp.meanRed - 120) < 2 && Math.abs(sharp.meanBlue - 110) < 2,
      `${sharp.meanRed} ${sharp.meanBlue}`,
    );
    assert.equal(
      computeFrameStats(image(256, 144, checker), 0, 256, 144, true).meanRed,
      sharp.meanBlue,
      'BGR: the channels trade places',
    );
    const smooth = computeFrameStats(
      image(256, 144, (x) => [x, x, x]),
      0,
      256,
      144,
      false,
    );
    assert.ok(
      sharp.sharpness > 100 * Math.max(1, smooth.sharpness),
      `edges ${sharp.sharpness} vs a ramp ${smooth.sharpness}`,
    );
    let seed = 7;
    const noisy = computeFrameStats(
      image(256, 144, (x) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        const v = Math.max(0, Math.min(255, x + ((seed >> 8) % 61) - 30));
        return [v, v, v];
      }),
      0,
      256,
      144,
      false,
    );
    assert.ok(noisy.noise >= 10 && smooth.noise <= 1, `noise ${noisy.noise} vs ${smooth.noise}`);
    const placeholder = computeFrameStats(
      image(256, 144, (x, y) => (y > 64 && y < 80 && x > 80 && x < 176 && x % 6 < 3 ? [255, 255, 255] : [16, 48, 192])),
      0,
      256,
      144,
      false,
    );
    assert.ok(
      placeholder.flatShare > 0.9 && placeholder.lumaStddev > 3,
      `a blue screen with text is flat (${placeholder.flatShare}) though not blank (${placeholder.lumaStddev})`,
    );
    assert.ok(sharp.flatShare < 0.6);
    assert.equal(sharp.greyThumb.length, 1024);
  });
});

describe('letterbox geometry', () => {
  it('matches ffmpeg force_original_aspect_ratio=decrease + centred pad', () => {
    assert.deepEqual(letterboxGeometry(768, 432, 416, 416), {
      contentWidth: 416,
      contentHeight: 234,
      padX: 0,
      padY: 91,
      scale: 416 / 768,
    });
    assert.deepEqual(letterboxGeometry(480, 640, 640, 640), {
      contentWidth: 480,
      contentHeight: 640,
      padX: 80,
      padY: 0,
      scale: 1,
    });
    const g = letterboxGeometry(1920, 1080, 416, 416);
    assert.equal(g.contentHeight, 234);
  });

  it('builds the filter chain: scale straight to RGB, then pad with grey 114', () => {
    assert.deepEqual(resizeFilters(416, 416, true, 'bgr24'), [
      'scale=416:416:force_original_aspect_ratio=decrease:flags=bilinear',
      'format=bgr24',
      'pad=416:416:(ow-iw)/2:(oh-ih)/2:color=0x727272',
    ]);
    assert.deepEqual(resizeFilters(0, 0, false, 'rgb24'), ['format=rgb24']);
  });
});
