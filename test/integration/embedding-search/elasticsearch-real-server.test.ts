import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { esClient, esUrl } from '@va/harness/elasticsearch';
import { REPO_ROOT } from '@va/harness/shared';

/**
 * The stack's Elasticsearch is the real server: GET / answers like any Elasticsearch 8 node
 * (version, build hash, tagline), and /_nodes, which the server core serves itself, reports the
 * same build. GET / itself comes from the va-rest-root plugin (deploy/elasticsearch), because the
 * distribution published on Maven Central leaves the rest-root module out; the test checks that
 * plugin reports the node's own build rather than constants.
 */
describe('Elasticsearch from the local stack', () => {
  it('GET / returns the version and tagline of a real 8.x server', async () => {
    const res = await fetch(`${esUrl()}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-elastic-product'), 'Elasticsearch');
    const body = (await res.json()) as {
      name: string;
      cluster_name: string;
      cluster_uuid: string;
      tagline: string;
      version: Record<string, unknown>;
    };
    assert.equal(body.tagline, 'You Know, for Search');
    assert.match(String(body.version.number), /^8\.\d+\.\d+$/);
    assert.match(String(body.version.build_hash), /^[0-9a-f]{40}$/);
    assert.equal(body.version.build_flavor, 'default');
    assert.equal(body.version.build_snapshot, false);
    assert.match(String(body.version.lucene_version), /^\d+\.\d+\.\d+$/);
    assert.match(String(body.version.minimum_wire_compatibility_version), /^7\./);
    assert.notEqual(body.cluster_uuid, '_na_');

    // The node's own report (core REST API, not the plugin) agrees on every identity field.
    const nodes = (await (await fetch(`${esUrl()}/_nodes`)).json()) as {
      cluster_name: string;
      nodes: Record<
        string,
        {
          name: string;
          version: string;
          build_hash: string;
          build_flavor: string;
          build_type: string;
          modules: Array<{ name: string }>;
          plugins: Array<{ name: string }>;
        }
      >;
    };
    const node = Object.values(nodes.nodes)[0];
    assert.ok(node);
    assert.equal(nodes.cluster_name, body.cluster_name);
    assert.equal(node.name, body.name);
    assert.equal(node.version, body.version.number);
    assert.equal(node.build_hash, body.version.build_hash);
    assert.equal(node.build_type, body.version.build_type);
    assert.ok(
      node.modules.some((m) => m.name === 'x-pack-core'),
      'stock modules are loaded',
    );
    assert.deepEqual(
      node.plugins.map((p) => p.name),
      ['va-rest-root'],
    );
  });

  it('is served to the official client of the same major version', async () => {
    const client = esClient();
    const info = await client.info();
    const pkg = JSON.parse(
      readFileSync(join(REPO_ROOT, 'node_modules/@elastic/elasticsearch/package.json'), 'utf8'),
    ) as { version: string };
    assert.equal(info.version.number.split('.')[0], pkg.version.split('.')[0]);
    assert.equal(await client.ping(), true);
    await client.close();
  });
});
