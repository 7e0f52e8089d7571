import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@va/common';
import { loadConfig, loadSearchConfig } from './config.js';

describe('embedding-search configuration', () => {
  it('has defaults a local run works with', () => {
    const c = loadSearchConfig({});
    assert.equal(c.indices.prefix, 'va');
    assert.equal(c.indices.retentionDays.detections, 30);
    assert.deepEqual(c.indices.vector, { dims: 512, type: 'hnsw', m: 16, efConstruction: 100 });
    assert.equal(c.indexer.consumerName, 'embedding-search');
    assert.equal(c.query.maxK, 100);
    assert.deepEqual(c.indexer.indexDetections, new Set(), 'per-frame detections are opt-in');
    assert.equal(c.indexer.pathIntervalMs, 1_000);
    assert.equal(c.indexer.embeddings.refreshMs, 5_000);
    assert.equal(c.indices.embeddingsSource, 'synthetic', 'track summaries do not keep their vector twice');
  });

  it("keeps the summaries' source as sent on request, and names a bad value", () => {
    assert.equal(loadSearchConfig({ VA_SEARCH_EMBEDDINGS_SOURCE: 'stored' }).indices.embeddingsSource, 'stored');
    assert.throws(
      () => loadSearchConfig({ VA_SEARCH_EMBEDDINGS_SOURCE: 'none' }),
      (err: unknown) => err instanceof ConfigError && err.issues[0]?.key === 'VA_SEARCH_EMBEDDINGS_SOURCE',
    );
  });

  it('indexes per-frame detections of the listed cameras, of all, or of none', () => {
    assert.deepEqual(
      loadSearchConfig({ VA_SEARCH_INDEX_DETECTIONS: 'cam-1,cam_2' }).indexer.indexDetections,
      new Set(['cam-1', 'cam_2']),
    );
    assert.equal(loadSearchConfig({ VA_SEARCH_INDEX_DETECTIONS: 'all' }).indexer.indexDetections, 'all');
    assert.deepEqual(loadSearchConfig({ VA_SEARCH_INDEX_DETECTIONS: 'none' }).indexer.indexDetections, new Set());
    assert.throws(
      () => loadSearchConfig({ VA_SEARCH_INDEX_DETECTIONS: 'cam 1,' }),
      (err: unknown) => err instanceof ConfigError && err.issues[0]?.key === 'VA_SEARCH_INDEX_DETECTIONS',
    );
  });

  it('takes a retention per kind and int8_hnsw as an option', () => {
    const c = loadSearchConfig({
      VA_SEARCH_RETENTION_DAYS: '14',
      VA_SEARCH_RETENTION_DAYS_DETECTIONS: '3',
      VA_SEARCH_VECTOR_INDEX: 'int8_hnsw',
    });
    assert.equal(c.indices.retentionDays.detections, 3);
    assert.equal(c.indices.retentionDays['track-events'], 14);
    assert.equal(c.indices.vector.type, 'int8_hnsw');
  });

  it('names every bad key of every piece at once', () => {
    try {
      loadConfig({
        VA_GRPC_AUTH: 'disabled',
        ES_URL: 'nope',
        VA_SEARCH_INDEX_PREFIX: 'Bad Prefix',
        VA_SEARCH_VECTOR_INDEX: 'flat',
        VA_BATCHING_INFERENCE_GRPC_ADDR: 'x',
      });
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.map((i) => i.key).sort(), [
        'ES_URL',
        'VA_BATCHING_INFERENCE_GRPC_ADDR',
        'VA_SEARCH_INDEX_PREFIX',
        'VA_SEARCH_VECTOR_INDEX',
      ]);
    }
  });
});
