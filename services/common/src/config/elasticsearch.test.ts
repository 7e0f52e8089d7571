import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors.js';
import { loadElasticsearchConfig } from './elasticsearch.js';

function keysOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues.map((i) => i.key).sort();
  }
  assert.fail('expected a ConfigError');
}

describe('Elasticsearch configuration', () => {
  it('defaults to the local node without credentials', () => {
    const c = loadElasticsearchConfig({});
    assert.deepEqual(c.nodes, ['http://127.0.0.1:9200']);
    assert.equal(c.username, undefined);
    assert.equal(c.apiKey, undefined);
    assert.equal(c.tlsVerify, true);
  });

  it('reads the password and the API key from files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'va-es-cfg-'));
    writeFileSync(join(dir, 'pw'), 'hunter22\n');
    writeFileSync(join(dir, 'key'), 'aWQ6a2V5\n');
    const basic = loadElasticsearchConfig({
      ES_URL: 'https://es:9200',
      ES_USERNAME: 'search',
      ES_PASSWORD_FILE: join(dir, 'pw'),
    });
    assert.equal(basic.password, 'hunter22');
    assert.equal(loadElasticsearchConfig({ ES_API_KEY_FILE: join(dir, 'key') }).apiKey, 'aWQ6a2V5');
    rmSync(dir, { recursive: true, force: true });
  });

  it('names every bad key at once', () => {
    assert.deepEqual(
      keysOf(() => loadElasticsearchConfig({ ES_URL: 'es:9200', ES_USERNAME: 'u', ES_REQUEST_TIMEOUT_MS: '5' })),
      ['ES_PASSWORD', 'ES_REQUEST_TIMEOUT_MS', 'ES_URL'],
    );
    assert.deepEqual(
      keysOf(() => loadElasticsearchConfig({ ES_USERNAME: 'u', ES_PASSWORD: 'p', ES_API_KEY: 'k' })),
      ['ES_API_KEY'],
    );
    assert.deepEqual(
      keysOf(() => loadElasticsearchConfig({ ES_URL: 'http://elastic:secret@es:9200' })),
      ['ES_URL'],
    );
    assert.deepEqual(
      keysOf(() => loadElasticsearchConfig({ ES_URL: 'http://es:9200', ES_CA_FILE: '/nonexistent/ca.pem' })),
      ['ES_CA_FILE', 'ES_CA_FILE'],
    );
  });
});
