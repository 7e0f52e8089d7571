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
      (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.key === 'VA_INFERENCE_DETECTOR' && /VA_INFERENCE_PIPELINE=false/.test(i.message)),
    );
  });
});
