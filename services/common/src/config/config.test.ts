import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors.js';
import { loadBaseConfig } from './base.js';
import { bool, int, loadPieces, parseEnv } from './env.js';
import { loadGrpcClientConfig, loadGrpcServerConfig } from './grpc.js';
import { jetStreamLimits, loadNatsConfig } from './nats.js';

const VIEWER = 'viewer-3f9c2a7e1b4d8c6a0e5f7b2d';
const ADMIN = 'admin-9e1d4b7c2a5f8e3b6d0c1a4f';

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
    const issues = issuesOf(() =>
      parseEnv({ A: int(5, 0, 10), B: bool(true), C: int(1, 0, 3) }, { A: 'x', B: 'maybe', C: '9' }),
    );
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

  it('takes a NATS user name only when it can name an inbox subject', () => {
    assert.equal(loadNatsConfig({ NATS_USER: 'batching-inference', NATS_PASSWORD: 'x' }).user, 'batching-inference');
    for (const user of ['a.b', 'x>', 'some one']) {
      assert.deepEqual(
        issuesOf(() => loadNatsConfig({ NATS_USER: user, NATS_PASSWORD: 'x' })).map((i) => i.key),
        ['NATS_USER'],
        user,
      );
    }
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
    assert.deepEqual(loadNatsConfig({ NATS_URL: 'nats://a:4222, nats://b:4222' }).servers, [
      'nats://a:4222',
      'nats://b:4222',
    ]);
    const issues = issuesOf(() => loadNatsConfig({ NATS_URL: 'http://x', NATS_USER: 'u', NATS_TOKEN: 't' }));
    assert.deepEqual(issues.map((i) => i.key).sort(), ['NATS_PASSWORD', 'NATS_TOKEN', 'NATS_URL']);
  });

  it('gRPC: auth required needs tokens; tokens are role:token', () => {
    const none = issuesOf(() => loadGrpcServerConfig({}, { port: 1 }));
    assert.match(none[0]?.message ?? '', /no tokens are configured/);
    const cfg = loadGrpcServerConfig({ VA_GRPC_TOKENS: `viewer:${VIEWER}, admin:${ADMIN}` }, { port: 1 });
    assert.equal(cfg.tokens.get(VIEWER), 'viewer');
    assert.equal(cfg.tokens.get(ADMIN), 'admin');
    const bad = issuesOf(() =>
      loadGrpcServerConfig({ VA_GRPC_TOKENS: `root:${ADMIN},viewer:short`, VA_GRPC_PORT: 'x' }, { port: 1 }),
    );
    assert.equal(bad.length, 3, JSON.stringify(bad));
    assert.equal(loadGrpcServerConfig({ VA_GRPC_AUTH: 'disabled' }, { port: 1 }).auth, 'disabled');
  });

  it('gRPC: refuses short and placeholder tokens, naming the key and never the token', () => {
    const weak = [
      'short-token-23-chars-ab',
      'change-me-viewer',
      'change-me-admin-0123456789abcdef',
      'example-operator-token-0123456789',
      'placeholder-viewer-0123456789abcd',
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      '<the viewer token above>-0123456789',
    ];
    for (const token of weak) {
      const issues = issuesOf(() =>
        loadGrpcServerConfig({ VA_GRPC_TOKENS: `viewer:${VIEWER},admin:${token}` }, { port: 1 }),
      );
      assert.deepEqual(
        issues.map((i) => i.key),
        ['VA_GRPC_TOKENS'],
        `${token}: ${JSON.stringify(issues)}`,
      );
      assert.ok(!issues[0]?.message.includes(token), `the message shows the token: ${issues[0]?.message}`);
      assert.match(issues[0]?.message ?? '', /entry 2 \(admin\)/);
    }
    assert.match(
      issuesOf(() => loadGrpcServerConfig({ VA_GRPC_TOKENS: 'viewer:short-token-23-chars-ab' }, { port: 1 }))[0]
        ?.message ?? '',
      /at least 24 characters/,
    );
    assert.match(
      issuesOf(() => loadGrpcServerConfig({ VA_GRPC_TOKENS: 'viewer:change-me-viewer' }, { port: 1 }))[0]?.message ??
        '',
      /placeholder/,
    );
    // From a file the issue names the _FILE key.
    const dir = mkdtempSync(join(tmpdir(), 'va-cfg-'));
    writeFileSync(join(dir, 'tokens'), 'viewer:change-me-viewer-0123456789abcdef\n');
    assert.deepEqual(
      issuesOf(() => loadGrpcServerConfig({ VA_GRPC_TOKENS_FILE: join(dir, 'tokens') }, { port: 1 })).map((i) => i.key),
      ['VA_GRPC_TOKENS_FILE'],
    );
    // The same token twice (for two roles) is refused rather than one role silently winning.
    assert.match(
      issuesOf(() => loadGrpcServerConfig({ VA_GRPC_TOKENS: `viewer:${VIEWER},admin:${VIEWER}` }, { port: 1 }))[0]
        ?.message ?? '',
      /twice/,
    );
    // Exactly 24 characters is enough; with auth disabled tokens are not used and not checked.
    assert.equal(
      loadGrpcServerConfig({ VA_GRPC_TOKENS: 'viewer:0123456789abcdef01234567'.slice(0, 31) }, { port: 1 }).tokens.size,
      1,
    );
    assert.equal(
      loadGrpcServerConfig({ VA_GRPC_AUTH: 'disabled', VA_GRPC_TOKENS: 'viewer:change-me' }, { port: 1 }).auth,
      'disabled',
    );
  });

  it('gRPC: stream limits have small defaults and must fit the HTTP/2 call limit', () => {
    const cfg = loadGrpcServerConfig({ VA_GRPC_AUTH: 'disabled' }, { port: 1 });
    assert.deepEqual([cfg.maxStreamsPerConnection, cfg.maxStreams, cfg.maxCallsPerConnection], [8, 256, 128]);
    const issues = issuesOf(() =>
      loadGrpcServerConfig(
        { VA_GRPC_AUTH: 'disabled', VA_GRPC_MAX_STREAMS_PER_CONNECTION: '20', VA_GRPC_MAX_CALLS_PER_CONNECTION: '10' },
        { port: 1 },
      ),
    );
    assert.deepEqual(
      issues.map((i) => i.key),
      ['VA_GRPC_MAX_CALLS_PER_CONNECTION'],
    );
    assert.deepEqual(
      issuesOf(() => loadGrpcServerConfig({ VA_GRPC_AUTH: 'disabled', VA_GRPC_MAX_STREAMS: '0' }, { port: 1 })).map(
        (i) => i.key,
      ),
      ['VA_GRPC_MAX_STREAMS'],
    );
  });

  it('gRPC: TLS settings must be complete', () => {
    const issues = issuesOf(() =>
      loadGrpcServerConfig(
        { VA_GRPC_AUTH: 'disabled', VA_GRPC_TLS_REQUIRE_CLIENT_CERT: 'true', VA_GRPC_TLS_CERT: '/nonexistent.crt' },
        { port: 1 },
      ),
    );
    const keys = issues.map((i) => i.key);
    assert.ok(keys.includes('VA_GRPC_TLS_CERT'), JSON.stringify(issues));
  });

  it('gRPC client settings come from VA_<NAME>_GRPC_*', () => {
    const c = loadGrpcClientConfig(
      { VA_BATCHING_INFERENCE_GRPC_ADDR: 'infer:50052', VA_BATCHING_INFERENCE_GRPC_TOKEN: VIEWER },
      'batching-inference',
      'x:1',
    );
    assert.deepEqual(c, { address: 'infer:50052', token: VIEWER });
    const weak = issuesOf(() => loadGrpcClientConfig({ VA_X_GRPC_TOKEN: 'change-me-viewer' }, 'x', 'a:1'));
    assert.deepEqual(
      weak.map((i) => i.key),
      ['VA_X_GRPC_TOKEN'],
    );
    assert.ok(!weak[0]?.message.includes('change-me-viewer'));
    assert.equal(
      issuesOf(() => loadGrpcClientConfig({ VA_X_GRPC_ADDR: 'nohostport' }, 'x', 'a:1'))[0]?.key,
      'VA_X_GRPC_ADDR',
    );
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

  it('jetStreamLimits fills what a tool or test leaves out: detections as big as the rest, the default deliveries and poll', () => {
    const base = { maxAgeMs: 3600_000, maxBytes: 1 << 20, replicas: 1, duplicateWindowMs: 60_000 };
    assert.deepEqual(jetStreamLimits(base), {
      ...base,
      detectionsMaxBytes: 1 << 20,
      maxDeliver: 5,
      usagePollMs: 15_000,
    });
    assert.equal(jetStreamLimits({ ...base, maxDeliver: 2, detectionsMaxBytes: 1 << 22 }).maxDeliver, 2);
    assert.equal(jetStreamLimits({ ...base, detectionsMaxBytes: 1 << 22 }).detectionsMaxBytes, 1 << 22);
  });

  it('refuses unbounded or single deliveries with a clear message', () => {
    for (const value of ['-1', '0', '1', 'many']) {
      assert.throws(
        () => loadNatsConfig({ VA_JS_MAX_DELIVER: value }),
        (err: unknown) => err instanceof ConfigError && /VA_JS_MAX_DELIVER/.test(err.message),
      );
    }
  });
});
