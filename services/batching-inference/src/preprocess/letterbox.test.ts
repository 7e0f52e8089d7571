import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitImage, imageTransform, throughPlacement, toSourceBox } from './letterbox.js';

describe('letterbox geometry', () => {
  it('fits like YOLOX: content floored, top-left or centred, or stretched', () => {
    const spec = { width: 416, height: 416, resize: 'letterbox' as const, letterboxAlign: 'top-left' as const };
    assert.deepEqual(fitImage(768, 576, spec), { x: 0, y: 0, width: 416, height: 312 });
    assert.deepEqual(fitImage(768, 576, { ...spec, letterboxAlign: 'center' }), {
      x: 0,
      y: 52,
      width: 416,
      height: 312,
    });
    assert.deepEqual(fitImage(100, 300, { ...spec, letterboxAlign: 'center' }), {
      x: 139,
      y: 0,
      width: 138,
      height: 416,
    });
    assert.deepEqual(fitImage(768, 576, { ...spec, resize: 'stretch' }), { x: 0, y: 0, width: 416, height: 416 });
  });

  it('maps a box from the input back to source-frame pixels through resize and padding', () => {
    const placement = fitImage(768, 576, { width: 416, height: 416, resize: 'letterbox', letterboxAlign: 'center' });
    const t = throughPlacement(
      imageTransform({ width: 768, height: 576 }, 768, 576),
      { width: 768, height: 576 },
      placement,
    );
    const src = { x1: 100, y1: 200, x2: 300, y2: 400 };
    const back = toSourceBox(
      src.x1 * t.sx + t.padX,
      src.y1 * t.sy + t.padY,
      src.x2 * t.sx + t.padX,
      src.y2 * t.sy + t.padY,
      t,
      768,
      576,
    );
    for (const k of ['x1', 'y1', 'x2', 'y2'] as const) assert.ok(Math.abs(back[k] - src[k]) < 1e-9, k);
  });

  it('accounts for a frame ingest scaled down, and for one ingest letterboxed', () => {
    // Source 1920x1080 sent as 960x540: a box at input pixels maps to full resolution.
    const placement = fitImage(960, 540, { width: 416, height: 416, resize: 'letterbox', letterboxAlign: 'top-left' });
    const t = throughPlacement(
      imageTransform({ width: 960, height: 540 }, 1920, 1080),
      { width: 960, height: 540 },
      placement,
    );
    const box = toSourceBox(0, 0, 416, 234, t, 1920, 1080);
    assert.deepEqual(box, { x1: 0, y1: 0, x2: 1920, y2: 1080 });
    // Letterboxed by ingest: source = (pixel - pad) / scale.
    const lb = imageTransform({ width: 416, height: 416 }, 768, 576, { scale: 416 / 768, padX: 0, padY: 52 });
    const b = toSourceBox(52, 52 + 104, 104, 52 + 208, lb, 768, 576);
    assert.ok(
      Math.abs(b.x1 - 96) < 1e-9 &&
        Math.abs(b.y1 - 192) < 1e-9 &&
        Math.abs(b.x2 - 192) < 1e-9 &&
        Math.abs(b.y2 - 384) < 1e-9,
    );
  });

  it('clips boxes to the frame', () => {
    const t = { sx: 1, sy: 1, padX: 10, padY: 0 };
    assert.deepEqual(toSourceBox(0, -5, 500, 50, t, 100, 40), { x1: 0, y1: 0, x2: 100, y2: 40 });
  });
});
