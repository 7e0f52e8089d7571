import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BUS_IDENTITIES, passwordEnvName } from '@va/common';
import { renderDeployAuthorization } from '../../../deploy/local/nats-authorization-files.js';
import { DEFAULT_PORTS, SERVICE_NAMES } from '../../../deploy/local/pipeline/service-catalog.js';
import { run, tool, yamlDocuments } from '../../helpers/deploy-tools.js';
import { checkServiceConfig } from '../../helpers/service-config.js';
import { REPO_ROOT, sharedDir } from '../../helpers/shared.js';

const K8S = join('deploy', 'k8s');
const OVERLAYS = ['dev', 'prod'];
// The oldest Kubernetes the manifests target.
const KUBERNETES_VERSION = '1.30.0';
// Custom resources kubernetes-validate has no schema for; checked by the structural tests below instead.
const CUSTOM_KINDS = ['Elasticsearch'];

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects are walked as plain JSON here. */
type K8sObject = { kind: string; apiVersion: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };

function build(overlay: string): { yaml: string; objects: K8sObject[] } {
  const { code, stdout, output } = run(tool('kustomize'), ['build', join(K8S, 'overlays', overlay)]);
  assert.equal(code, 0, `kustomize build ${overlay}: ${output}`);
  return { yaml: stdout, objects: yamlDocuments(stdout) as K8sObject[] };
}

function validate(file: string): { code: number | null; output: string } {
  return run(tool('kubernetes-validate'), ['--strict', '--quiet', '-k', KUBERNETES_VERSION, file]);
}

const find = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name.replace(/-[a-z0-9]{10}$/, '') === name);
const workload = (objects: K8sObject[], name: string) => find(objects, 'Deployment', name) ?? find(objects, 'StatefulSet', name);
const container = (w: K8sObject) => w.spec.template.spec.containers[0];

describe('deploy/k8s (kustomize)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'va-k8s-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  const built = new Map(OVERLAYS.map((o) => [o, build(o)]));

  for (const overlay of OVERLAYS) {
    it(`${overlay}: kustomize build passes kubernetes-validate --strict (Kubernetes ${KUBERNETES_VERSION}); only the ECK custom resource lacks a schema`, () => {
      const file = join(scratch, `${overlay}.yaml`);
      writeFileSync(file, built.get(overlay)?.yaml ?? '');
      const { code, output } = validate(file);
      assert.equal(code, 0, output);
      const warnings = output.split('\n').filter((l) => l.startsWith('WARN'));
      assert.deepEqual(warnings.map((w) => /schema for kind (\w+)/.exec(w)?.[1]), CUSTOM_KINDS, output);
    });
  }

  it('the validator refuses a broken manifest (so a pass means something)', () => {
    const file = join(scratch, 'broken.yaml');
    const yaml = built.get('dev')?.yaml ?? '';
    writeFileSync(file, yaml.replace('      terminationGracePeriodSeconds: 30\n', '      terminationGracePeriodSeconds: 30\n      restartPolicy: Sometimes\n      hostNetwrok: true\n'));
    assert.notEqual(validate(file).code, 0);
  });

  for (const overlay of OVERLAYS) {
    it(`${overlay}: every service has probes on its ops port, requests and limits, a Service, and references only what exists or is created by ECK or the operator`, () => {
      const { objects } = built.get(overlay) as { objects: K8sObject[] };
      for (const name of SERVICE_NAMES) {
        const ports = DEFAULT_PORTS[name];
        const w = workload(objects, name);
        assert.ok(w, `${overlay}: no workload ${name}`);
        const c = container(w);
        const env = Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));
        assert.equal(env.VA_HTTP_PORT, String(ports.http));
        assert.equal(env.VA_GRPC_PORT, String(ports.grpc));
        assert.deepEqual([c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path], ['/healthz', '/readyz']);
        assert.equal(c.ports.find((p: any) => p.name === c.readinessProbe.httpGet.port).containerPort, ports.http);
        for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) assert.ok(c.resources?.[kind]?.[r], `${name} ${kind}.${r}`);
        assert.equal(w.spec.template.metadata.annotations['prometheus.io/port'], String(ports.http));
        const svc = find(objects, 'Service', name);
        assert.deepEqual(svc?.spec.ports.map((p: any) => p.port).sort(), [ports.http, ports.grpc].sort());
        assert.deepEqual(svc?.spec.selector, w.spec.selector.matchLabels);
      }
      // Names referenced by pods exist in the output, or are created outside it.
      const external = new Set(['va-es-elastic-user', 'va-es-http-certs-public', ...(overlay === 'prod' ? ['va-secrets'] : [])]);
      for (const w of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
        const pod = w.spec.template.spec;
        const refs = [
          ...pod.containers.flatMap((c: any) => (c.envFrom ?? []).map((e: any) => ['ConfigMap', e.configMapRef.name])),
          ...(pod.volumes ?? []).flatMap((v: any) => [
            ...(v.configMap ? [['ConfigMap', v.configMap.name]] : []),
            ...(v.secret ? [['Secret', v.secret.secretName]] : []),
            ...(v.persistentVolumeClaim ? [['PersistentVolumeClaim', v.persistentVolumeClaim.claimName]] : []),
          ]),
        ];
        for (const [kind, name] of refs) assert.ok(objects.some((o) => o.kind === kind && o.metadata.name === name) || external.has(name), `${overlay}: ${w.metadata.name} references ${kind} ${name}`);
      }
      for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
        assert.ok(workload(objects, pdb.metadata.name)?.spec.selector.matchLabels['app.kubernetes.io/name'] === pdb.spec.selector.matchLabels['app.kubernetes.io/name'], `PDB ${pdb.metadata.name}`);
      }
    });

    it(`${overlay}: inference and tracking autoscale on CPU, tracking with dynamic membership; NATS and Elasticsearch fit the services' settings`, () => {
      const { objects } = built.get(overlay) as { objects: K8sObject[] };
      for (const name of ['batching-inference', 'tracking']) {
        const hpa = find(objects, 'HorizontalPodAutoscaler', name);
        assert.deepEqual(hpa?.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name }, `${overlay}: ${name} HPA`);
        assert.ok(find(objects, 'Deployment', name), `${overlay}: ${name} is the Deployment its HPA scales`);
        assert.equal(hpa?.spec.metrics[0].resource.name, 'cpu');
        assert.ok(hpa.spec.minReplicas >= 1 && hpa.spec.minReplicas <= hpa.spec.maxReplicas);
      }

      // Any number of tracking pods split the cameras among themselves: each registers under its
      // own pod name, and no fixed partition count remains for the HPA to contradict.
      const env = container(workload(objects, 'tracking') as K8sObject).env;
      assert.equal(env.find((e: any) => e.name === 'VA_TRACKING_MEMBERSHIP')?.value, 'dynamic');
      assert.equal(env.find((e: any) => e.name === 'VA_TRACKING_MEMBER_ID')?.valueFrom.fieldRef.fieldPath, 'metadata.name');
      assert.ok(!env.some((e: any) => e.name.startsWith('VA_TRACKING_PARTITION_')), `${overlay}: static partition keys left in the tracking pods`);

      const nats = workload(objects, 'nats') as K8sObject;
      const common = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('va-common'))?.data ?? {};
      assert.ok(Number(common.VA_JS_REPLICAS) <= nats.spec.replicas, 'streams cannot have more replicas than NATS servers');
      const natsConf = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config'))?.data?.['nats.conf'] ?? '';
      assert.match(natsConf, /max_payload: 8MB/);
      assert.equal((natsConf.match(/nats:\/\/nats-\d+\.nats-headless:6222/g) ?? []).length, nats.spec.replicas > 1 ? nats.spec.replicas : 0);

      const es = find(objects, 'Elasticsearch', 'va') as K8sObject;
      const pomVersion = /<es.version>(.*)<\/es.version>/.exec(readFileSync(join(REPO_ROOT, 'deploy', 'elasticsearch', 'pom.xml'), 'utf8'))?.[1];
      assert.equal(es.spec.version, pomVersion, 'the same Elasticsearch as the local stack');
      const search = Object.fromEntries(container(workload(objects, 'embedding-search') as K8sObject).env.map((e: any) => [e.name, e.value]));
      assert.equal(search.ES_URL, `https://${es.metadata.name}-es-http:9200`, 'the HTTP Service ECK creates');
    });

    it(`${overlay}: each service's environment is one its own config.ts accepts, with every key one it reads`, () => {
      const { objects } = built.get(overlay) as { objects: K8sObject[] };
      const dir = mkdtempSync(join(scratch, `${overlay}-env-`));
      const secretData = (name: string): Record<string, string> => {
        const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name);
        if (secret) return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
        // Created outside these manifests (prod's va-secrets, ECK's secrets): the documented keys.
        const nats = Object.fromEntries(BUS_IDENTITIES.map((id) => [`nats-${id}`, `placeholder-nats-${id}`]));
        return { 'grpc-tokens': 'viewer:placeholder-viewer,admin:placeholder-admin', 'search-inference-token': 'placeholder-viewer', elastic: 'placeholder-password', 'ca.crt': '-----BEGIN CERTIFICATE-----\n', ...nats };
      };
      for (const name of SERVICE_NAMES) {
        const w = workload(objects, name) as K8sObject;
        const pod = w.spec.template.spec;
        const c = container(w);
        // Container paths as this machine has them: mounted secrets as files, the image's /app this checkout.
        const paths: Array<[string, string]> = [['/app', REPO_ROOT], ['/shared', sharedDir()]];
        for (const m of c.volumeMounts ?? []) {
          const volume = pod.volumes.find((v: any) => v.name === m.name);
          const local = join(dir, name, m.name);
          mkdirSync(local, { recursive: true });
          if (volume.secret) for (const item of volume.secret.items) writeFileSync(join(local, item.path), secretData(volume.secret.secretName)[item.key] ?? '');
          if (!paths.some(([p]) => m.mountPath.startsWith(`${p}/`) || m.mountPath === p)) paths.push([m.mountPath, local]);
        }
        const local = (value: string) => {
          const hit = paths.find(([p]) => value === p || value.startsWith(`${p}/`));
          if (!hit) return value;
          const path = hit[1] + value.slice(hit[0].length);
          if (!value.endsWith('/') && hit[0] !== '/app' && hit[0] !== '/shared') mkdirSync(dirname(path), { recursive: true });
          return path;
        };
        const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
        for (const from of c.envFrom ?? []) Object.assign(env, objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === from.configMapRef.name)?.data);
        for (const e of c.env ?? []) env[e.name] = e.value !== undefined ? local(String(e.value)) : 'tracking-7d9f8-x2x4q'; // a fieldRef: the pod name
        const check = checkServiceConfig(name, env);
        assert.deepEqual(check.issues, [], `${overlay}: ${name} configuration refused`);
        assert.deepEqual(check.unknown.filter((k) => !k.startsWith('NVIDIA_')), [], `${overlay}: ${name} keys the service does not read`);
      }
      // Each service connects to NATS as its own user, reading only its own password; NATS gets every user's.
      for (const name of SERVICE_NAMES) {
        const w = workload(objects, name) as K8sObject;
        const env = Object.fromEntries(container(w).env.map((e: any) => [e.name, e.value]));
        assert.equal(env.NATS_USER, name, `${overlay}: ${name}'s NATS user`);
        const items = w.spec.template.spec.volumes.flatMap((v: any) => v.secret?.items ?? []).map((i: any) => i.key).filter((k: string) => k.startsWith('nats-'));
        assert.deepEqual(items, [`nats-${name}`], `${overlay}: ${name} mounts only its own NATS password`);
      }
      const natsEnv = container(workload(objects, 'nats') as K8sObject).env.filter((e: any) => e.valueFrom?.secretKeyRef);
      assert.deepEqual(natsEnv.map((e: any) => [e.name, e.valueFrom.secretKeyRef.key]), BUS_IDENTITIES.map((id) => [passwordEnvName(id), `nats-${id}`]));
      for (const id of BUS_IDENTITIES) assert.ok(secretData('va-secrets')[`nats-${id}`], `${overlay}: va-secrets lacks nats-${id}`);
      const natsConfig = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config'))?.data ?? {};
      assert.match(natsConfig['nats.conf'] ?? '', /include "nats-authorization.conf"/);
      assert.equal(natsConfig['nats-authorization.conf'], renderDeployAuthorization(), `${overlay}: the generated authorization`);
      if (overlay === 'dev') {
        const tokens = secretData('va-secrets');
        assert.ok(tokens['grpc-tokens']?.split(',').includes(`viewer:${tokens['search-inference-token']}`), 'search calls inference with a viewer token inference accepts');
      }
    });
  }
});
