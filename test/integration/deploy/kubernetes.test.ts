import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BUS_IDENTITIES, passwordEnvName } from '@va/common';
import { renderDeployAuthorization } from '../../../deploy/local/nats-authorization-files.js';
import { DEFAULT_PORTS, SERVICE_NAMES } from '@va/harness/pipeline/service-catalog';
import { run, tool, yamlDocuments } from '../../helpers/deploy-tools.js';
import { checkServiceConfig } from '../../helpers/service-config.js';
import { REPO_ROOT, sharedDir } from '@va/harness/shared';
import { testToken } from '@va/harness/tokens';

const K8S = join('deploy', 'k8s');
const OVERLAYS = ['dev', 'prod'];
// The oldest Kubernetes the manifests target.
const KUBERNETES_VERSION = '1.30.0';
// Custom resources kubernetes-validate has no schema for (ECK, cert-manager); checked by the structural tests below instead.
const CUSTOM_KINDS = ['Certificate', 'Elasticsearch', 'Issuer'];

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects are walked as plain JSON here. */
type K8sObject = {
  kind: string;
  apiVersion: string;
  metadata: { name: string };
  spec?: any;
  data?: Record<string, string>;
};

function build(overlay: string): { yaml: string; objects: K8sObject[] } {
  const { code, stdout, output } = run(tool('kustomize'), ['build', join(K8S, 'overlays', overlay)]);
  assert.equal(code, 0, `kustomize build ${overlay}: ${output}`);
  return { yaml: stdout, objects: yamlDocuments(stdout) as K8sObject[] };
}

function validate(file: string): { code: number | null; output: string } {
  return run(tool('kubernetes-validate'), ['--strict', '--quiet', '-k', KUBERNETES_VERSION, file]);
}

const find = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name.replace(/-[a-z0-9]{10}$/, '') === name);
const workload = (objects: K8sObject[], name: string) =>
  find(objects, 'Deployment', name) ?? find(objects, 'StatefulSet', name);
const container = (w: K8sObject) => w.spec.template.spec.containers[0];

describe('deploy/k8s (kustomize)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'va-k8s-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  const built = new Map(OVERLAYS.map((o) => [o, build(o)]));

  for (const overlay of OVERLAYS) {
    it(`${overlay}: kustomize build passes kubernetes-validate --strict (Kubernetes ${KUBERNETES_VERSION}); only the ECK and cert-manager custom resources lack a schema`, () => {
      const file = join(scratch, `${overlay}.yaml`);
      writeFileSync(file, built.get(overlay)?.yaml ?? '');
      const { code, output } = validate(file);
      assert.equal(code, 0, output);
      const warnings = output.split('\n').filter((l) => l.startsWith('WARN'));
      assert.deepEqual(
        [...new Set(warnings.map((w) => /schema for kind (\w+)/.exec(w)?.[1]))].sort(),
        CUSTOM_KINDS,
        output,
      );
    });
  }

  it('the validator refuses a broken manifest (so a pass means something)', () => {
    const file = join(scratch, 'broken.yaml');
    const yaml = built.get('dev')?.yaml ?? '';
    writeFileSync(
      file,
      yaml.replace(
        '      terminationGracePeriodSeconds: 30\n',
        '      terminationGracePeriodSeconds: 30\n      restartPolicy: Sometimes\n      hostNetwrok: true\n',
      ),
    );
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
        for (const kind of ['requests', 'limits'])
          for (const r of ['cpu', 'memory']) assert.ok(c.resources?.[kind]?.[r], `${name} ${kind}.${r}`);
        assert.equal(w.spec.template.metadata.annotations['prometheus.io/port'], String(ports.http));
        const svc = find(objects, 'Service', name);
        assert.deepEqual(svc?.spec.ports.map((p: any) => p.port).sort(), [ports.http, ports.grpc].sort());
        assert.deepEqual(svc?.spec.selector, w.spec.selector.matchLabels);
      }
      // Names referenced by pods exist in the output, or are created outside it.
      // va-secrets: made by the operator (deploy/README.md); <service>-grpc-tls: by cert-manager from the Certificates.
      const certificateSecrets = objects
        .filter((o) => o.kind === 'Certificate')
        .map((o) => o.spec.secretName as string);
      const external = new Set(['va-es-elastic-user', 'va-es-http-certs-public', 'va-secrets', ...certificateSecrets]);
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
        for (const [kind, name] of refs)
          assert.ok(
            objects.some((o) => o.kind === kind && o.metadata.name === name) || external.has(name),
            `${overlay}: ${w.metadata.name} references ${kind} ${name}`,
          );
      }
      for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
        assert.ok(
          workload(objects, pdb.metadata.name)?.spec.selector.matchLabels['app.kubernetes.io/name'] ===
            pdb.spec.selector.matchLabels['app.kubernetes.io/name'],
          `PDB ${pdb.metadata.name}`,
        );
      }
    });

    it(`${overlay}: inference and tracking autoscale on CPU, tracking with dynamic membership; NATS and Elasticsearch fit the services' settings`, () => {
      const { objects } = built.get(overlay) as { objects: K8sObject[] };
      for (const name of ['batching-inference', 'tracking']) {
        const hpa = find(objects, 'HorizontalPodAutoscaler', name);
        assert.deepEqual(
          hpa?.spec.scaleTargetRef,
          { apiVersion: 'apps/v1', kind: 'Deployment', name },
          `${overlay}: ${name} HPA`,
        );
        assert.ok(find(objects, 'Deployment', name), `${overlay}: ${name} is the Deployment its HPA scales`);
        assert.equal(hpa?.spec.metrics[0].resource.name, 'cpu');
        assert.ok(hpa.spec.minReplicas >= 1 && hpa.spec.minReplicas <= hpa.spec.maxReplicas);
      }

      // Any number of tracking pods split the cameras among themselves: each registers under its
      // own pod name, and no fixed partition count remains for the HPA to contradict.
      const env = container(workload(objects, 'tracking') as K8sObject).env;
      assert.equal(env.find((e: any) => e.name === 'VA_TRACKING_MEMBERSHIP')?.value, 'dynamic');
      assert.equal(
        env.find((e: any) => e.name === 'VA_TRACKING_MEMBER_ID')?.valueFrom.fieldRef.fieldPath,
        'metadata.name',
      );
      assert.ok(
        !env.some((e: any) => e.name.startsWith('VA_TRACKING_PARTITION_')),
        `${overlay}: static partition keys left in the tracking pods`,
      );

      const nats = workload(objects, 'nats') as K8sObject;
      const common = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('va-common'))?.data ?? {};
      assert.ok(
        Number(common.VA_JS_REPLICAS) <= nats.spec.replicas,
        'streams cannot have more replicas than NATS servers',
      );
      const natsConf =
        objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config'))?.data?.['nats.conf'] ??
        '';
      assert.match(natsConf, /max_payload: 8MB/);
      assert.equal(
        (natsConf.match(/nats:\/\/nats-\d+\.nats-headless:6222/g) ?? []).length,
        nats.spec.replicas > 1 ? nats.spec.replicas : 0,
      );

      const es = find(objects, 'Elasticsearch', 'va') as K8sObject;
      const pomVersion = /<es.version>(.*)<\/es.version>/.exec(
        readFileSync(join(REPO_ROOT, 'deploy', 'elasticsearch', 'pom.xml'), 'utf8'),
      )?.[1];
      assert.equal(es.spec.version, pomVersion, 'the same Elasticsearch as the local stack');
      const search = Object.fromEntries(
        container(workload(objects, 'embedding-search') as K8sObject).env.map((e: any) => [e.name, e.value]),
      );
      assert.equal(search.ES_URL, `https://${es.metadata.name}-es-http:9200`, 'the HTTP Service ECK creates');
    });

    it(`${overlay}: each service's environment is one its own config.ts accepts, with every key one it reads`, () => {
      const { objects } = built.get(overlay) as { objects: K8sObject[] };
      const dir = mkdtempSync(join(scratch, `${overlay}-env-`));
      const viewerToken = testToken('viewer');
      const searchToken = testToken('svc-search');
      const secretData = (name: string): Record<string, string> => {
        const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name);
        if (secret)
          return Object.fromEntries(
            Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
          );
        // Created outside these manifests (va-secrets, ECK's and cert-manager's secrets): the documented keys.
        return {
          'grpc-tokens': `viewer:${viewerToken},admin:${testToken('admin')},viewer:${searchToken}`,
          'search-inference-token': searchToken,
          elastic: 'elastic-password',
          'ca.crt': '-----BEGIN CERTIFICATE-----\n',
          'tls.crt': '-----BEGIN CERTIFICATE-----\n',
          'tls.key': '-----BEGIN PRIVATE KEY-----\n',
          ...Object.fromEntries(BUS_IDENTITIES.map((id) => [`nats-${id}`, `nats-password-${id}`])),
        };
      };
      for (const name of SERVICE_NAMES) {
        const w = workload(objects, name) as K8sObject;
        const pod = w.spec.template.spec;
        const c = container(w);
        // Container paths as this machine has them: mounted secrets as files, the image's /app this checkout.
        const paths: Array<[string, string]> = [
          ['/app', REPO_ROOT],
          ['/shared', sharedDir()],
        ];
        for (const m of c.volumeMounts ?? []) {
          const volume = pod.volumes.find((v: any) => v.name === m.name);
          const local = join(dir, name, m.name);
          mkdirSync(local, { recursive: true });
          if (volume.secret)
            for (const item of volume.secret.items)
              writeFileSync(join(local, item.path), secretData(volume.secret.secretName)[item.key] ?? '');
          if (!paths.some(([p]) => m.mountPath.startsWith(`${p}/`) || m.mountPath === p))
            paths.push([m.mountPath, local]);
        }
        const local = (value: string) => {
          const hit = paths.find(([p]) => value === p || value.startsWith(`${p}/`));
          if (!hit) return value;
          const path = hit[1] + value.slice(hit[0].length);
          if (!value.endsWith('/') && hit[0] !== '/app' && hit[0] !== '/shared')
            mkdirSync(dirname(path), { recursive: true });
          return path;
        };
        const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
        for (const from of c.envFrom ?? [])
          Object.assign(
            env,
            objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === from.configMapRef.name)?.data,
          );
        for (const e of c.env ?? [])
          env[e.name] = e.value !== undefined ? local(String(e.value)) : 'tracking-7d9f8-x2x4q'; // a fieldRef: the pod name
        const check = checkServiceConfig(name, env);
        assert.deepEqual(check.issues, [], `${overlay}: ${name} configuration refused`);
        assert.deepEqual(
          check.unknown.filter((k) => !k.startsWith('NVIDIA_')),
          [],
          `${overlay}: ${name} keys the service does not read`,
        );
      }
      // Each service connects to NATS as its own user, reading only its own password; NATS gets every user's.
      for (const name of SERVICE_NAMES) {
        const w = workload(objects, name) as K8sObject;
        const env = Object.fromEntries(container(w).env.map((e: any) => [e.name, e.value]));
        assert.equal(env.NATS_USER, name, `${overlay}: ${name}'s NATS user`);
        const items = w.spec.template.spec.volumes
          .flatMap((v: any) => v.secret?.items ?? [])
          .map((i: any) => i.key)
          .filter((k: string) => k.startsWith('nats-'));
        assert.deepEqual(items, [`nats-${name}`], `${overlay}: ${name} mounts only its own NATS password`);
      }
      const natsEnv = container(workload(objects, 'nats') as K8sObject).env.filter(
        (e: any) => e.valueFrom?.secretKeyRef,
      );
      assert.deepEqual(
        natsEnv.map((e: any) => [e.name, e.valueFrom.secretKeyRef.key]),
        BUS_IDENTITIES.map((id) => [passwordEnvName(id), `nats-${id}`]),
      );
      for (const id of BUS_IDENTITIES)
        assert.ok(secretData('va-secrets')[`nats-${id}`], `${overlay}: va-secrets lacks nats-${id}`);
      const natsConfig =
        objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config'))?.data ?? {};
      assert.match(natsConfig['nats.conf'] ?? '', /include "nats-authorization.conf"/);
      assert.equal(
        natsConfig['nats-authorization.conf'],
        renderDeployAuthorization(),
        `${overlay}: the generated authorization`,
      );
    });

    it(`${overlay}: every service serves gRPC over TLS with a cert-manager certificate for its Service name; search trusts inference's CA; no tokens ship`, () => {
      const { objects } = built.get(overlay) as { objects: K8sObject[] };
      assert.ok(
        !objects.some((o) => o.kind === 'Secret' && o.metadata.name === 'va-secrets'),
        'tokens are created by the operator, never shipped',
      );
      const issuer = find(objects, 'Issuer', 'va-grpc-ca');
      assert.equal(
        issuer?.spec.ca.secretName,
        find(objects, 'Certificate', 'va-grpc-ca')?.spec.secretName,
        'the CA issuer signs with the CA certificate',
      );
      for (const name of SERVICE_NAMES) {
        const w = workload(objects, name) as K8sObject;
        const c = container(w);
        const env = Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));
        assert.ok(env.VA_GRPC_TLS_CERT && env.VA_GRPC_TLS_KEY, `${overlay}: ${name} does not set VA_GRPC_TLS_CERT/KEY`);
        const mount = (c.volumeMounts ?? []).find((m: any) => env.VA_GRPC_TLS_CERT.startsWith(`${m.mountPath}/`));
        const volume = w.spec.template.spec.volumes.find((v: any) => v.name === mount?.name);
        const cert = objects.find((o) => o.kind === 'Certificate' && o.spec.secretName === volume?.secret?.secretName);
        assert.ok(cert, `${overlay}: ${name}'s VA_GRPC_TLS_CERT is not in a cert-manager Secret`);
        assert.ok(
          cert.spec.dnsNames.includes(find(objects, 'Service', name)?.metadata.name),
          `${overlay}: ${name}'s certificate lacks its Service name`,
        );
        assert.deepEqual(cert.spec.issuerRef, { name: 'va-grpc-ca', kind: 'Issuer' });
        assert.deepEqual(volume.secret.items.map((i: any) => i.key).sort(), ['ca.crt', 'tls.crt', 'tls.key']);
      }
      const search = Object.fromEntries(
        container(workload(objects, 'embedding-search') as K8sObject).env.map((e: any) => [e.name, e.value]),
      );
      assert.equal(
        search.VA_BATCHING_INFERENCE_GRPC_TLS_CA,
        '/etc/va/grpc-tls/ca.crt',
        'search verifies inference against the CA',
      );
    });

    it(`${overlay}: NetworkPolicies name who may connect: gRPC ports only from their callers and labelled clients, ops ports only from Prometheus`, () => {
      const { objects } = built.get(overlay) as { objects: K8sObject[] };
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
      const named = (selector: any) =>
        Object.keys(selector?.matchLabels ?? {}).length + (selector?.matchExpressions ?? []).length > 0;
      // Every rule has peers, and every peer a non-empty selector: nothing open to everyone.
      for (const p of policies) {
        for (const rule of p.spec.ingress ?? []) {
          assert.ok((rule.from ?? []).length > 0, `${p.metadata.name}: a rule without "from" admits everyone`);
          for (const peer of rule.from)
            assert.ok(
              named(peer.podSelector) || named(peer.namespaceSelector),
              `${p.metadata.name}: a peer names nobody: ${JSON.stringify(peer)}`,
            );
        }
      }
      const podLabel = (peer: any) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'];
      // Services that call another one over gRPC (their VA_<NAME>_GRPC_ADDR).
      const callers = (target: string) =>
        SERVICE_NAMES.filter((name) =>
          container(workload(objects, name) as K8sObject).env.some(
            (e: any) => e.name === `VA_${target.toUpperCase().replace(/-/g, '_')}_GRPC_ADDR`,
          ),
        );
      for (const name of SERVICE_NAMES) {
        const svc = find(objects, 'Service', name) as K8sObject;
        const labels = workload(objects, name)?.spec.template.metadata.labels;
        const rulesFor = (port: number) =>
          policies
            .filter(
              (p) =>
                Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
                named(p.spec.podSelector),
            )
            .flatMap((p) =>
              (p.spec.ingress ?? []).filter((r: any) => (r.ports ?? []).some((rp: any) => rp.port === port)),
            );
        const grpcPort = svc.spec.ports.find((p: any) => p.name === 'grpc').port;
        const grpcRules = rulesFor(grpcPort);
        assert.ok(grpcRules.length > 0, `${overlay}: no NetworkPolicy admits anyone to ${name}:${grpcPort}`);
        const peers = grpcRules.flatMap((r: any) => r.from);
        const services = peers.map(podLabel).filter(Boolean).sort();
        assert.deepEqual(
          services,
          callers(name).sort(),
          `${overlay}: ${name} gRPC admits services ${services.join(', ')}`,
        );
        const clients = peers.filter(
          (peer: any) => peer.podSelector?.matchLabels?.['video-analytics/grpc-client'] === 'true',
        );
        assert.ok(clients.length > 0, `${overlay}: ${name} gRPC admits no labelled operator clients`);
        assert.ok(
          clients.every(
            (peer: any) =>
              !peer.namespaceSelector ||
              peer.namespaceSelector.matchLabels?.['video-analytics/grpc-clients'] === 'true',
          ),
          `${overlay}: ${name} gRPC admits clients from unlabelled namespaces`,
        );
        const httpPort = svc.spec.ports.find((p: any) => p.name === 'http').port;
        const opsPeers = rulesFor(httpPort).flatMap((r: any) => r.from);
        assert.ok(opsPeers.length > 0, `${overlay}: no NetworkPolicy admits Prometheus to ${name}:${httpPort}`);
        for (const peer of opsPeers) {
          assert.deepEqual(
            [peer.namespaceSelector?.matchLabels, peer.podSelector?.matchLabels],
            [{ 'kubernetes.io/metadata.name': 'monitoring' }, { 'app.kubernetes.io/name': 'prometheus' }],
            `${overlay}: ${name}:${httpPort} admits more than Prometheus`,
          );
        }
      }
    });
  }
});
