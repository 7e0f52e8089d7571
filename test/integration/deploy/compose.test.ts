import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { passwordEnvName } from '@va/common';
import { DEFAULT_PORTS, entryPoint, SERVICE_NAMES } from '../../../deploy/local/pipeline/service-catalog.js';
import { run, tool, yamlDocuments } from '../../helpers/deploy-tools.js';
import { checkServiceConfig } from '../../helpers/service-config.js';
import { REPO_ROOT } from '../../helpers/shared.js';

const COMPOSE_DIR = join(REPO_ROOT, 'deploy', 'compose');
const FILES = ['docker-compose.yml', 'docker-compose.gpu.yml'].map((f) => join(COMPOSE_DIR, f));
interface ComposeService {
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  command?: string[];
  healthcheck?: { test: string[] };
}

/** Compose's ${VAR:-default} and ${VAR} with nothing set in the environment: what a plain `docker compose up` uses. */
const interpolate = (value: string) => value.replace(/\$\{([A-Z0-9_]+)(:?-([^}]*))?\}/g, (_all, _name, _op, fallback: string | undefined) => fallback ?? '');

function compose(): { services: Record<string, ComposeService>; volumes: Record<string, unknown> } {
  return yamlDocuments(readFileSync(FILES[0] as string, 'utf8'))[0] as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
}

describe('deploy/compose', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'va-compose-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('validates against the Compose specification (check-jsonschema, offline)', () => {
    const { code, output } = run(tool('check-jsonschema'), ['--builtin-schema', 'vendor.compose-spec', ...FILES]);
    assert.equal(code, 0, output);
    assert.match(output, /ok -- validation done/);
  });

  it('the checker refuses a broken file (so a pass means something)', () => {
    const broken = join(scratch, 'broken.yml');
    writeFileSync(broken, readFileSync(FILES[0] as string, 'utf8').replace('    command: ["node", "services/tracking/dist/main.js"]', '    command: ["node", "services/tracking/dist/main.js"]\n    restart_policy: always\n    ports: 50053'));
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
      assert.ok(svc.healthcheck?.test.join(' ').includes(`http://127.0.0.1:${ports.http}/readyz`), `${name} health check`);
    }
    // Prometheus scrapes each of them by service name on its ops port.
    const scrape = readFileSync(join(REPO_ROOT, 'deploy', 'prometheus', 'prometheus.compose.yml'), 'utf8');
    for (const name of SERVICE_NAMES) assert.match(scrape, new RegExp(`job_name: ${name}\\n\\s+static_configs: \\[\\{ targets: \\["${name}:${DEFAULT_PORTS[name].http}"\\] \\}\\]`));
  });

  it("each service's environment is one its own config.ts accepts, with every key one it reads", () => {
    const { services, volumes } = compose();
    for (const name of SERVICE_NAMES) {
      const svc = services[name] as ComposeService;
      // Mounted folders: a bind mount is the host folder, a named volume an empty folder, the image's /app this checkout.
      const mounts: Array<[string, string]> = [['/app/', `${REPO_ROOT}/`]];
      for (const v of svc.volumes ?? []) {
        const [host = '', container = ''] = interpolate(v).split(':');
        const local = host in volumes ? mkdtempSync(join(scratch, `${host}-`)) : resolve(COMPOSE_DIR, host);
        mounts.push([container, local]);
      }
      const env = Object.fromEntries(
        Object.entries(svc.environment ?? {}).map(([k, v]) => {
          const value = interpolate(String(v));
          const mount = mounts.find(([container]) => value === container || value.startsWith(container.endsWith('/') ? container : `${container}/`));
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
    const viewerToken = interpolate(env('embedding-search').VA_BATCHING_INFERENCE_GRPC_TOKEN as string);
    assert.ok(interpolate(env('batching-inference').VA_GRPC_TOKENS as string).split(',').includes(`viewer:${viewerToken}`));
    for (const name of SERVICE_NAMES) assert.equal(env(name).NATS_URL, 'nats://nats:4222');
    // Each service connects as its own NATS user, with a password Compose refuses to start without.
    for (const name of SERVICE_NAMES) {
      assert.equal(env(name).NATS_USER, name);
      assert.match(String(env(name).NATS_PASSWORD), new RegExp(`^\\$\\{${passwordEnvName(name)}:\\?`));
      assert.ok(String(services.nats?.environment?.[passwordEnvName(name)]).startsWith(`\${${passwordEnvName(name)}:?`), `nats-server gets ${name}'s password`);
    }
  });
});
