import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_REPOSITORY_DIR } from '../repository/default-paths.js';
import { parseModelConfig } from '../repository/model-config.js';
import { DetectorHead } from './detector-head.js';
import { EmbedderHead } from './embedder-head.js';
import { createModelHead, inputGeometry, plainGraphMode } from './model-head.js';

const configOf = (name: string) =>
  parseModelConfig(JSON.parse(readFileSync(join(DEFAULT_REPOSITORY_DIR, name, 'config.json'), 'utf8')), name);

describe('model head for a graph mode', () => {
  it('feeds the plain graph what its config says and a normalising graph raw uint8 pixels', () => {
    const config = configOf('yolox_nano');
    const plain = plainGraphMode(config);
    assert.deepEqual(plain, { rawInput: config.input.dtype === 'uint8', inGraphNms: false });
    const plainHead = createModelHead('yolox_nano', config, plain);
    assert.ok(plainHead instanceof DetectorHead);
    assert.equal(plainHead.writer.spec.raw, plain.rawInput);
    assert.equal(inputGeometry(config, plain).dtype, config.input.dtype);

    const inGraph = { rawInput: true, inGraphNms: true };
    const head = createModelHead('yolox_nano', config, inGraph);
    assert.equal(head.writer.spec.raw, true);
    assert.deepEqual(inputGeometry(config, inGraph), {
      dtype: 'uint8',
      layout: config.input.layout,
      width: config.input.width,
      height: config.input.height,
    });
  });

  it('makes an embedder head for an embedding model', () => {
    const name = 'osnet_x0_25_msmt17';
    const config = configOf(name);
    assert.equal(config.kind, 'embedder');
    assert.ok(createModelHead(name, config, { rawInput: true, inGraphNms: false }) instanceof EmbedderHead);
  });
});
