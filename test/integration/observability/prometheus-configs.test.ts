import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_PORTS, SERVICE_NAMES } from '@va/harness/pipeline/service-catalog';
import { ruleFiles } from '@va/harness/prometheus';
import { promtool } from '../../helpers/promtool.js';
import { REPO_ROOT } from '@va/harness/shared';

const config = (name: string) => join('deploy', 'prometheus', `prometheus.${name}.yml`);

describe('Prometheus configurations (promtool check config)', () => {
  for (const name of ['local', 'compose']) {
    it(`${name} is valid`, () => {
      const { code, output } = promtool('check', 'config', config(name));
      assert.equal(code, 0, output);
    });
  }

  it('local loads every rule file and scrapes every service on its default ops port, job named after it', () => {
    const { output } = promtool('check', 'config', config('local'));
    assert.match(output, new RegExp(`SUCCESS: ${ruleFiles().length} rule files found`));
    const text = readFileSync(join(REPO_ROOT, config('local')), 'utf8');
    for (const name of SERVICE_NAMES)
      assert.match(
        text,
        new RegExp(
          `job_name: ${name}\\n\\s+static_configs: \\[\\{ targets: \\["127.0.0.1:${DEFAULT_PORTS[name].http}"\\] \\}\\]`,
        ),
      );
  });

  it('the Kubernetes pods carry the label and annotations the documented scrape configuration turns into job and port', () => {
    // deploy/README.md ("Prometheus on Kubernetes"): job from app.kubernetes.io/name, port from prometheus.io/port.
    for (const name of SERVICE_NAMES) {
      const manifest = readFileSync(join(REPO_ROOT, 'deploy', 'k8s', 'base', `${name}.yaml`), 'utf8');
      assert.match(
        manifest,
        new RegExp(
          `labels: \\{ app.kubernetes.io/name: ${name} \\}\\n\\s+annotations: \\{ prometheus.io/scrape: "true", prometheus.io/port: "${DEFAULT_PORTS[name].http}" \\}`,
        ),
      );
    }
  });
});
