import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors.js';
import { loadBaseConfig } from './base.js';
import { bool, int, loadPieces, parseEnv } from './env.js';
import { loadGrpcClientConfig, loadGrpcServerConfig } from './grpc.js';
import { loadNatsConfig } from './nats.js';

function issuesOf(fn: () => unknown): Array<{ key: string; message: string }> {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected a ConfigError');
}

describe('parseEnv', () => {
  it('applies defaults and treats empty strings as unset', () => {
    const e = parseEnv({ A: int(5, 0, 10), B: bool(true) }, { A: '', B: undefined });
    assert.deepEqual(e, { A: 5, B: true });
  });

  it('reports every bad key in one error', () => {
    const issues = issuesOf(() => parseEnv({ A: int(5, 0, 10), B: bool(true), C: int(1, 0, 3) }, { A: 'x', B: 'maybe', C: '9' }));
    assert.deepEqual(
      issues.map((i) => i.key),
      ['A', 'B', 'C'],
    );
    assert.match(issues.find((i) => i.key === 'C')?.message ?? '', /<= 3/);
    assert.match(issues.find((i) => i.key === 'B')?.message ?? '', /true or false/);
  });

  it('reads secrets from <KEY>_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'va-cfg-'));
    writeFileSync(join(dir, 'pw'), 's3cret\n');
    const cfg = loadNatsConfig({ NATS_USER: 'ingest', NATS_PASSWORD_FILE: join(dir, 'pw') });
    assert.equal(cfg.password, 's3cret');
    const issues = issuesOf(() => loadNatsConfig({ NATS_USER: 'ingest', NATS_PASSWORD_FILE: join(dir, 'missing') }));
    assert.ok(issues.some((i) => i.key === 'NATS_PASSWORD_FILE'));
  });
});

describe('service configuration pieces', () => {
  it('base config has sane defaults', () => {
    const base = loadBaseConfig({}, { httpPort: 9999 });
    assert.equal(base.httpPort, 9999);
    assert.equal(base.logLevel, 'info');
    assert.ok(base.shutdownGraceMs > 0);
  });

  it('rejects a bad log level and port together', () => {
    const issues = issuesOf(() => loadBaseConfig({ VA_LOG_LEVEL: 'loud', VA_HTTP_PORT: '70000' }, { httpPort: 1 }));
    assert.deepEqual(issues.map((i) => i.key).sort(), ['VA_HTTP_PORT', 'VA_LOG_LEVEL']);
  });

  it('NATS: URL scheme, user without password, both user and token', () => {
    assert.deepEqual(loadNatsConfig({}).servers, ['nats://127.0.0.1:4222']);
    assert.deepEqual(loadNatsConfig({ NATS_URL: 'nats://a:4222, nats://b:4222' }).servers, ['nats://a:4222', 'nats://b:4222']);
    const issues = issuesOf(() => loadNatsConfig({ NATS_URL: 'http://x', NATS_USER: 'u', NATS_TOKEN: 't' }));
    assert.deepEqual(issues.map((i) => i.key).sort(), ['NATS_PASSWORD', 'NATS_TOKEN', 'NATS_URL']);
  });

  it('gRPC: auth required needs tokens; tokens are role:token', () => {
    const none = issuesOf(() => loadGrpcServerConfig({}, { port: 1 }));
    assert.match(none[0]?.message ?? '', /no tokens are configured/);
    const cfg = loadGrpcServerConfig({ VA_GRPC_TOKENS: 'viewer:view-token-1, admin:admin-token-1' }, { port: 1 });
    assert.equal(cfg.tokens.get('view-token-1'), 'viewer');
    assert.equal(cfg.tokens.get('admin-token-1'), 'admin');
    const bad = issuesOf(() => loadGrpcServerConfig({ VA_GRPC_TOKENS: 'root:abcdefghij,viewer:short', VA_GRPC_PORT: 'x' }, { port: 1 }));
    assert.equal(bad.length, 3, JSON.stringify(bad));
    assert.equal(loadGrpcServerConfig({ VA_GRPC_AUTH: 'disabled' }, { port: 1 }).auth, 'disabled');
  });

  it('gRPC: TLS settings must be complete', () => {
    const issues = issuesOf(() =>
      loadGrpcServerConfig({ VA_GRPC_AUTH: 'disabled', VA_GRPC_TLS_REQUIRE_CLIENT_CERT: 'true', VA_GRPC_TLS_CERT: '/nonexistent.crt' }, { port: 1 }),
    );
    const keys = issues.map((i) => i.key);
    assert.ok(keys.includes('VA_GRPC_TLS_CERT'), JSON.stringify(issues));
  });

  it('gRPC client settings come from VA_<NAME>_GRPC_*', () => {
    const c = loadGrpcClientConfig({ VA_BATCHING_INFERENCE_GRPC_ADDR: 'infer:50052', VA_BATCHING_INFERENCE_GRPC_TOKEN: 'tok-tok-tok' }, 'batching-inference', 'x:1');
    assert.deepEqual(c, { address: 'infer:50052', token: 'tok-tok-tok' });
    assert.equal(issuesOf(() => loadGrpcClientConfig({ VA_X_GRPC_ADDR: 'nohostport' }, 'x', 'a:1'))[0]?.key, 'VA_X_GRPC_ADDR');
  });

  it('loadPieces reports the problems of every piece at once', () => {
    const issues = issuesOf(() =>
      loadPieces({
        base: () => loadBaseConfig({ VA_HTTP_PORT: 'no' }, { httpPort: 1 }),
        nats: () => loadNatsConfig({ NATS_URL: 'bad' }),
        grpc: () => loadGrpcServerConfig({}, { port: 1 }),
      }),
    );
    assert.deepEqual(issues.map((i) => i.key).sort(), ['NATS_URL', 'VA_GRPC_TOKENS', 'VA_HTTP_PORT']);
  });
});

describe('JetStream delivery and sizing keys', () => {
  it('defaults to 5 deliveries, 8 GiB of detections and a 15 s usage poll', () => {
    const js = loadNatsConfig({}).jetstream;
    assert.equal(js.maxDeliver, 5);
    assert.equal(js.detectionsMaxBytes, 8 * 1024 ** 3);
    assert.equal(js.usagePollMs, 15_000);
  });

  it('refuses unbounded or single deliveries with a clear message', () => {
    for (const value of ['-1', '0', '1', 'many']) {
      assert.throws(() => loadNatsConfig({ VA_JS_MAX_DELIVER: value }), (err: unknown) => err instanceof ConfigError && /VA_JS_MAX_DELIVER/.test(err.message));
    }
  });
});
