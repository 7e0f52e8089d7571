import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { passwordEnvName } from '@va/common';
import { DEFAULT_PORTS, entryPoint, SERVICE_NAMES } from '@va/harness/pipeline/service-catalog';
import { run, tool, yamlDocuments } from '../../helpers/deploy-tools.js';
import { checkServiceConfig } from '../../helpers/service-config.js';
import { REPO_ROOT } from '@va/harness/shared';

const COMPOSE_DIR = join(REPO_ROOT, 'deploy', 'compose');
const FILES = ['docker-compose.yml', 'docker-compose.gpu.yml'].map((f) => join(COMPOSE_DIR, f));
type SecretRef = string | { source: string; target?: string };
interface ComposeService {
  environment?: Record<string, string>;
  secrets?: SecretRef[];
  volumes?: string[];
  ports?: string[];
  command?: string[];
  healthcheck?: { test: string[] };
}

/** Compose's ${VAR:-default} and ${VAR} with nothing set in the environment: what a plain `docker compose up` uses. */
const interpolate = (value: string) =>
  value.replace(/\$\{([A-Z0-9_]+)(:?-([^}]*))?\}/g, (_all, _name, _op, fallback: string | undefined) => fallback ?? '');

type ComposeFile = {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
};

function compose(): ComposeFile {
  return yamlDocuments(readFileSync(FILES[0] as string, 'utf8'))[0] as ComposeFile;
}

/** Where a service's secrets appear in its container (/run/secrets/<target>) and the files they come from, made by gen-grpc-secrets.sh into `generated`. */
function secretMounts(file: ComposeFile, svc: ComposeService, generated: string): Array<[string, string]> {
  return (svc.secrets ?? []).map((ref) => {
    const { source, target = source } = typeof ref === 'string' ? { source: ref } : ref;
    const secret = file.secrets[source];
    assert.ok(secret, `secret ${source} is not declared`);
    assert.match(secret.file, /^\.secrets\/grpc\//, `secret ${source} comes from gen-grpc-secrets.sh's folder`);
    return [`/run/secrets/${target}`, join(generated, secret.file.slice('.secrets/grpc/'.length))];
  });
}

describe('deploy/compose', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'va-compose-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  // The documented step, run into a scratch folder instead of deploy/compose/.secrets/grpc.
  const generated = join(scratch, 'grpc-secrets');
  const gen = run('bash', [join(COMPOSE_DIR, 'gen-grpc-secrets.sh'), generated]);
  assert.equal(gen.code, 0, gen.output);

  it('validates against the Compose specification (check-jsonschema, offline)', () => {
    const { code, output } = run(tool('check-jsonschema'), ['--builtin-schema', 'vendor.compose-spec', ...FILES]);
    assert.equal(code, 0, output);
    assert.match(output, /ok -- validation done/);
  });

  it('the checker refuses a broken file (so a pass means something)', () => {
    const broken = join(scratch, 'broken.yml');
    writeFileSync(
      broken,
      readFileSync(FILES[0] as string, 'utf8').replace(
        '    command: ["node", "services/tracking/dist/main.js"]',
        '    command: ["node", "services/tracking/dist/main.js"]\n    restart_policy: always\n    ports: 50053',
      ),
    );
    const { code, output } = run(tool('check-jsonschema'), ['--builtin-schema', 'vendor.compose-spec', broken]);
    assert.notEqual(code, 0, output);
  });

  it('runs the five services from one image, on their default ports, each healthy only when ready', () => {
    const { services } = compose();
    for (const name of SERVICE_NAMES) {
      const svc = services[name];
      assert.ok(svc, `${name} missing`);
      const ports = DEFAULT_PORTS[name];
      assert.deepEqual(svc.command, ['node', entryPoint(name, 'dist')]);
      assert.equal(svc.environment?.VA_HTTP_PORT, String(ports.http));
      assert.equal(svc.environment?.VA_GRPC_PORT, String(ports.grpc));
      assert.deepEqual(svc.ports, [`${ports.grpc}:${ports.grpc}`, `${ports.http}:${ports.http}`]);
      assert.ok(
        svc.healthcheck?.test.join(' ').includes(`http://127.0.0.1:${ports.http}/readyz`),
        `${name} health check`,
      );
    }
    // Prometheus scrapes each of them by service name on its ops port.
    const scrape = readFileSync(join(REPO_ROOT, 'deploy', 'prometheus', 'prometheus.compose.yml'), 'utf8');
    for (const name of SERVICE_NAMES)
      assert.match(
        scrape,
        new RegExp(
          `job_name: ${name}\\n\\s+static_configs: \\[\\{ targets: \\["${name}:${DEFAULT_PORTS[name].http}"\\] \\}\\]`,
        ),
      );
  });

  it("each service's environment is one its own config.ts accepts, with every key one it reads", () => {
    const file = compose();
    const { services, volumes } = file;
    for (const name of SERVICE_NAMES) {
      const svc = services[name] as ComposeService;
      // Mounted folders: a bind mount is the host folder, a named volume an empty folder, the image's /app this checkout; secrets the generated files.
      const mounts: Array<[string, string]> = [['/app/', `${REPO_ROOT}/`], ...secretMounts(file, svc, generated)];
      for (const v of svc.volumes ?? []) {
        const [host = '', container = ''] = interpolate(v).split(':');
        const local = host in volumes ? mkdtempSync(join(scratch, `${host}-`)) : resolve(COMPOSE_DIR, host);
        mounts.push([container, local]);
      }
      const env = Object.fromEntries(
        Object.entries(svc.environment ?? {}).map(([k, v]) => {
          const value = interpolate(String(v));
          const mount = mounts.find(
            ([container]) =>
              value === container || value.startsWith(container.endsWith('/') ? container : `${container}/`),
          );
          return [k, mount ? mount[1] + value.slice(mount[0].length) : value];
        }),
      );
      // The image's PATH holds ffmpeg (Dockerfile); here the host's does.
      const check = checkServiceConfig(name, { PATH: process.env.PATH ?? '', ...env });
      assert.deepEqual(check.issues, [], `${name}: configuration refused`);
      assert.deepEqual(check.unknown, [], `${name}: keys the service does not read`);
    }
    const env = (name: string) => services[name]?.environment ?? {};
    // Service-to-service addresses and tokens line up.
    assert.equal(env('embedding-search').VA_BATCHING_INFERENCE_GRPC_ADDR, 'batching-inference:50052');
    assert.equal(env('embedding-search').ES_URL, 'http://elasticsearch:9200');
    const viewerToken = readFileSync(join(generated, 'search-inference-token'), 'utf8').trim();
    assert.ok(
      readFileSync(join(generated, 'grpc-tokens'), 'utf8').split('\n').includes(`viewer:${viewerToken}`),
      'search calls inference with a viewer token inference accepts',
    );
    for (const name of SERVICE_NAMES) assert.equal(env(name).NATS_URL, 'nats://nats:4222');
    // Each service connects as its own NATS user, with a password Compose refuses to start without.
    for (const name of SERVICE_NAMES) {
      assert.equal(env(name).NATS_USER, name);
      assert.match(String(env(name).NATS_PASSWORD), new RegExp(`^\\$\\{${passwordEnvName(name)}:\\?`));
      assert.ok(
        String(services.nats?.environment?.[passwordEnvName(name)]).startsWith(`\${${passwordEnvName(name)}:?`),
        `nats-server gets ${name}'s password`,
      );
    }
  });

  it('serves gRPC over TLS with certificates from gen-grpc-secrets.sh, tokens from secrets and no token in the file', () => {
    const file = compose();
    const text = readFileSync(FILES[0] as string, 'utf8');
    assert.doesNotMatch(text, /change-me|VA_GRPC_TOKENS:|_GRPC_TOKEN:/, 'tokens are given inline');
    for (const name of SERVICE_NAMES) {
      const svc = file.services[name] as ComposeService;
      const env = svc.environment ?? {};
      const mounted = new Map(secretMounts(file, svc, generated));
      for (const key of ['VA_GRPC_TLS_CERT', 'VA_GRPC_TLS_KEY', 'VA_GRPC_TOKENS_FILE'])
        assert.ok(mounted.has(env[key] ?? ''), `${name}: ${key} is not a mounted secret`);
      const cert = mounted.get(env.VA_GRPC_TLS_CERT as string) as string;
      // Signed by the CA the callers trust, for the name they call the service by.
      const verify = run('openssl', ['verify', '-CAfile', join(generated, 'ca.crt'), cert]);
      assert.equal(verify.code, 0, verify.output);
      assert.match(
        run('openssl', ['x509', '-in', cert, '-noout', '-ext', 'subjectAltName']).output,
        new RegExp(`DNS:${name}\\b`),
      );
      assert.ok(![...mounted.values()].some((f) => f.endsWith('ca.key')), `${name} gets the CA's private key`);
    }
    const search = file.services['embedding-search']?.environment ?? {};
    assert.equal(
      new Map(secretMounts(file, file.services['embedding-search'] as ComposeService, generated)).get(
        search.VA_BATCHING_INFERENCE_GRPC_TLS_CA ?? '',
      ),
      join(generated, 'ca.crt'),
    );
    // Tokens the services accept: long, random, no placeholders (checked above through config.ts), and rerunning keeps them.
    const before = readFileSync(join(generated, 'grpc-tokens'), 'utf8');
    assert.equal(run('bash', [join(COMPOSE_DIR, 'gen-grpc-secrets.sh'), generated]).code, 0);
    assert.equal(readFileSync(join(generated, 'grpc-tokens'), 'utf8'), before);
  });
});
