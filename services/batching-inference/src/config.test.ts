import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@va/common';
import { loadInferenceConfig } from './config.js';

describe('batching-inference config', () => {
  it('loads the detector and the embedder by default', () => {
    const c = loadInferenceConfig({});
    assert.equal(c.detector, 'yolox_nano');
    assert.deepEqual(c.models, ['yolox_nano', 'osnet_x0_25_msmt17']);
  });

  it('runs embedding-only with VA_INFERENCE_DETECTOR=none and the pipeline off', () => {
    const c = loadInferenceConfig({ VA_INFERENCE_DETECTOR: 'none', VA_INFERENCE_PIPELINE: 'false' });
    assert.equal(c.detector, undefined);
    assert.deepEqual(c.models, ['osnet_x0_25_msmt17']);
  });

  it('refuses a frame pipeline without a detector, naming the key', () => {
    assert.throws(
      () => loadInferenceConfig({ VA_INFERENCE_DETECTOR: 'none' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.issues.some((i) => i.key === 'VA_INFERENCE_DETECTOR' && /VA_INFERENCE_PIPELINE=false/.test(i.message)),
    );
  });

  it('caps decoded images by default (4096x4096 frames, 2048x2048 crops) and refuses budgets that could never fit an allowed image', () => {
    assert.deepEqual(loadInferenceConfig({}).images, {
      maxFramePixels: 4096 * 4096,
      maxCropPixels: 2048 * 2048,
      maxDecodedBytesPerRequest: 128 * 1024 * 1024,
      maxDecodedBytesInFlight: 512 * 1024 * 1024,
    });
    const refuses = (env: Record<string, string>, key: string, message: RegExp) =>
      assert.throws(
        () => loadInferenceConfig(env),
        (err: unknown) =>
          err instanceof ConfigError && err.issues.some((i) => i.key === key && message.test(i.message)),
      );
    refuses(
      { VA_INFERENCE_MAX_DECODED_BYTES_PER_REQUEST: '1000000' },
      'VA_INFERENCE_MAX_DECODED_BYTES_PER_REQUEST',
      /less than the 50331648 bytes the largest allowed image decodes to/,
    );
    refuses(
      { VA_INFERENCE_MAX_DECODED_BYTES_IN_FLIGHT: String(64 * 1024 * 1024) },
      'VA_INFERENCE_MAX_DECODED_BYTES_IN_FLIGHT',
      /a request that fits could never run/,
    );
    refuses({ VA_INFERENCE_MAX_CROP_PIXELS: 'many' }, 'VA_INFERENCE_MAX_CROP_PIXELS', /must be a number/);
  });
});
