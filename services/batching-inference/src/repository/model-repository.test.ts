import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NotFoundError } from '@va/common';
import { ModelConfigError, ModelFileMissingError } from '../model-errors.js';
import { ModelRepository } from './model-repository.js';

const embedderConfig = (extra: Record<string, unknown> = {}) => ({
  name: 'emb',
  kind: 'embedder',
  input: { name: 'images', width: 128, height: 256 },
  output: { decoder: 'embedding', name: 'output', dimensions: 512 },
  ...extra,
});

describe('model repository on disk', () => {
  const root = mkdtempSync(join(tmpdir(), 'va-repo-'));
  const shared = mkdtempSync(join(tmpdir(), 'va-shared-'));
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(shared, { recursive: true, force: true });
  });
  const write = (path: string, content: unknown) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  };
  const repo = new ModelRepository(root, { sharedDir: shared });

  it('finds versions from folders and from sources, and prefers <version>/model.onnx', () => {
    write('emb/config.json', embedderConfig({ sources: { '1': 'models/emb.onnx' } }));
    write('emb/3/model.onnx', 'x');
    mkdirSync(join(shared, 'models'), { recursive: true });
    writeFileSync(join(shared, 'models', 'emb.onnx'), 'x');
    assert.deepEqual(repo.modelNames(), ['emb']);
    assert.deepEqual(repo.versions('emb'), ['1', '3']);
    assert.equal(repo.resolve('emb').version, '3', 'latest by default');
    assert.equal(repo.resolve('emb').origin, 'repository');
    const v1 = repo.resolve('emb', '1');
    assert.equal(v1.origin, 'shared');
    assert.equal(v1.modelPath, join(shared, 'models', 'emb.onnx'));
    assert.equal(v1.config.batching.maxBatchSize, 8, 'defaults filled in');
  });

  it('applies a version folder config.json over the model one, section by section', () => {
    write('emb/3/config.json', { batching: { maxBatchSize: 2 } });
    const v3 = repo.resolve('emb', '3');
    assert.equal(v3.config.batching.maxBatchSize, 2);
    assert.equal(v3.config.input.width, 128, 'other sections kept');
  });

  it('says what is missing and how to fix it', () => {
    write('miss/config.json', { ...embedderConfig(), name: 'miss', sources: { '1': 'models/nowhere.onnx' } });
    assert.throws(
      () => repo.resolve('miss', '1'),
      (err: Error) =>
        err instanceof ModelFileMissingError && /nowhere\.onnx/.test(err.message) && /VA_SHARED_DIR/.test(err.message),
    );
    assert.throws(
      () => repo.resolve('emb', '7'),
      (err: Error) => err instanceof NotFoundError && /versions: 1, 3/.test(err.message),
    );
    assert.throws(
      () => repo.resolve('nope'),
      (err: Error) => err instanceof NotFoundError && /models: emb, miss/.test(err.message),
    );
  });

  it('lists every problem of a bad config at once, with its path', () => {
    write('bad/config.json', {
      name: 'bad',
      kind: 'detector',
      input: { name: 'images', width: -1, height: 416, layout: 'CHW' },
      output: { decoder: 'yolox', name: 'output' },
      tpyo: 1,
      batching: { maxBatchSize: 2, preferredBatchSizes: [4] },
    });
    write('bad/1/model.onnx', 'x');
    assert.throws(
      () => repo.resolve('bad'),
      (err: Error) => {
        assert.ok(err instanceof ModelConfigError);
        for (const part of ['input.width', 'input.layout', 'tpyo', 'preferredBatchSizes'])
          assert.match(err.message, new RegExp(part));
        return true;
      },
    );
    // Checks across fields run once every field is valid.
    write('bad/config.json', {
      name: 'bad',
      kind: 'detector',
      input: { name: 'images', width: 416, height: 416 },
      output: { decoder: 'yolox', name: 'output' },
    });
    assert.throws(() => repo.resolve('bad'), /classes: a detector needs its class names/);
    write('json/config.json', '{ not json');
    assert.throws(() => repo.versions('json'), /not valid JSON/);
    write('wrongname/config.json', embedderConfig());
    write('wrongname/1/model.onnx', 'x');
    assert.throws(() => repo.resolve('wrongname'), /does not match its folder/);
  });
});
