import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_REPOSITORY_DIR } from '../repository/default-paths.js';
import { parseModelConfig } from '../repository/model-config.js';
import { wantedTransforms } from './graph-transforms.js';

const shipped = (name: string) =>
  parseModelConfig(JSON.parse(readFileSync(join(DEFAULT_REPOSITORY_DIR, name, 'config.json'), 'utf8')), name);

describe('which in-graph transforms a session gets', () => {
  it('"auto" moves normalisation and post-processing into the graph on GPU providers only', () => {
    const yolox = shipped('yolox_nano');
    assert.deepEqual(wantedTransforms(yolox, 'cpu'), { normalize: false, postprocess: false });
    assert.deepEqual(wantedTransforms(yolox, 'webgpu'), { normalize: true, postprocess: true });
    assert.deepEqual(wantedTransforms(shipped('osnet_x0_25_msmt17'), 'cuda'), { normalize: true, postprocess: false });
  });

  it('true forces them on any provider', () => {
    const yolox = shipped('yolox_nano');
    assert.deepEqual(wantedTransforms({ ...yolox, inGraph: { normalize: true, postprocess: true } }, 'cpu'), {
      normalize: true,
      postprocess: true,
    });
  });
});
