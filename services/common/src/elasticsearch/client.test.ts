import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors } from '@elastic/elasticsearch';
import { loadElasticsearchConfig } from '../config/elasticsearch.js';
import { UnavailableError } from '../errors.js';
import { createElasticsearchClient } from './client.js';
import { isElasticsearchUnavailable, mapElasticsearchError } from './errors.js';

describe('Elasticsearch client', () => {
  it('builds a client with the configured auth', async () => {
    const client = createElasticsearchClient(
      loadElasticsearchConfig({ ES_URL: 'http://127.0.0.1:1', ES_API_KEY: 'aWQ6a2V5', ES_MAX_RETRIES: '0' }),
    );
    const err = await client.info().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isElasticsearchUnavailable(err), 'nothing listens on port 1');
    assert.ok(mapElasticsearchError(err, 'info') instanceof UnavailableError);
    await client.close();
  });

  it("treats 4xx answers as the caller's fault, 429 and 5xx as unavailable", () => {
    const response = (statusCode: number) =>
      new errors.ResponseError({ statusCode, body: {}, headers: {}, warnings: null, meta: {} as never });
    assert.equal(isElasticsearchUnavailable(response(400)), false);
    assert.equal(isElasticsearchUnavailable(response(404)), false);
    assert.equal(isElasticsearchUnavailable(response(429)), true);
    assert.equal(isElasticsearchUnavailable(response(503)), true);
  });
});
