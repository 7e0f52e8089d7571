import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { renderedDashboards } from '../../../deploy/grafana/src/build.js';
import { DASHBOARDS } from '../../../deploy/grafana/src/dashboards.js';
import { SERVICE_NAMES } from '@va/harness/pipeline/service-catalog';
import { promtool } from '../../helpers/promtool.js';
import {
  dashboardQueries,
  declaredMetricNames,
  metricNames,
  ruleExpressions,
  withGrafanaVariables,
} from '../../helpers/promql.js';
import { startWholePipeline, type WholePipeline } from '@va/harness/whole-pipeline';

// Series Prometheus itself adds for every scrape target; not in any /metrics output.
const PROMETHEUS_SERIES = new Set(['up']);

describe('PromQL metric names', () => {
  it('finds selectors and leaves functions, aggregations, labels, strings and durations out', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.95, sum by (le, model) (rate(va_x_seconds_bucket{model=~"a|b", stage="c{d}"}[5m] offset 1h)))',
      ),
      ['va_x_seconds_bucket'],
    );
    assert.deepEqual(
      metricNames('max(a_total) by (job) / on (camera) group_left (zone) b:rule:rate5m > bool 0.5 or vector(0)').sort(),
      ['a_total', 'b:rule:rate5m'],
    );
    assert.deepEqual(metricNames('label_replace(rate(x_total[1m]), "stage", "ingest", "", "") unless y'), [
      'x_total',
      'y',
    ]);
    assert.deepEqual(metricNames('sum without (instance) (z) * 60'), ['z']);
    assert.throws(() => metricNames('{__name__=~"va_.*"}'), /__name__/);
  });

  it('substitutes Grafana variables', () => {
    assert.equal(
      withGrafanaVariables('rate(x{camera=~"$camera"}[$__rate_interval])', '20s'),
      'rate(x{camera=~".*"}[20s])',
    );
  });
});

describe('dashboards and alert rules use only metrics the services export', () => {
  let w: WholePipeline;
  const exported = new Set<string>();

  before(async () => {
    w = await startWholePipeline('observe-static');
    for (const service of SERVICE_NAMES)
      for (const name of declaredMetricNames(await (await fetch(w.pipeline.httpUrl(service))).text()))
        exported.add(name);
  });

  after(async () => {
    await w?.dispose();
  });

  it('the committed dashboard JSON is what deploy/grafana/src builds (npm run dashboards)', () => {
    for (const { path, text } of renderedDashboards())
      assert.equal(readFileSync(path, 'utf8'), text, `${path} is stale: run npm run dashboards`);
    assert.equal(renderedDashboards().length, 6);
  });

  it('every dashboard query is valid PromQL (promtool parses each as a recording rule)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'va-dashboard-rules-'));
    try {
      const queries = dashboardQueries();
      const yaml = [
        'groups:',
        '  - name: dashboard-queries',
        '    rules:',
        ...queries.flatMap((q, i) => [
          `      - record: dashboard:query_${i}`,
          `        expr: ${JSON.stringify(withGrafanaVariables(q.expr))}`,
        ]),
      ].join('\n');
      writeFileSync(join(dir, 'queries.yml'), `${yaml}\n`);
      const { code, output } = promtool('check', 'rules', join(dir, 'queries.yml'));
      assert.equal(code, 0, output);
      assert.match(output, new RegExp(`SUCCESS: ${queries.length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every metric a dashboard query, a dashboard variable or a rule names is exported by a service, recorded by a rule, or Prometheus's own `up`", () => {
    const rules = ruleExpressions();
    const recorded = new Set(rules.filter((r) => r.kind === 'record').map((r) => r.name));
    const known = (name: string) => exported.has(name) || recorded.has(name) || PROMETHEUS_SERIES.has(name);
    const missing: string[] = [];
    for (const q of dashboardQueries())
      for (const name of metricNames(withGrafanaVariables(q.expr)))
        if (!known(name)) missing.push(`${q.dashboard} / ${q.panel}: ${name}`);
    for (const d of DASHBOARDS)
      for (const v of d.variables ?? [])
        for (const name of metricNames(v.query.replace(/^label_values\((.*),\s*\w+\)$/, '$1')))
          if (!known(name)) missing.push(`${d.title} variable ${v.name}: ${name}`);
    for (const r of rules)
      for (const name of metricNames(r.expr)) if (!known(name)) missing.push(`${r.file} ${r.name}: ${name}`);
    assert.deepEqual(missing, []);
    // The checks above saw real output: every service and every rule file.
    assert.ok(
      exported.has('va_ingest_frames_read_total') &&
        exported.has('va_inference_gpu_memory_used_bytes') &&
        exported.has('va_sanity_flags_total'),
    );
    assert.ok(
      rules.some((r) => r.file === 'sanity.rules.yml') && rules.filter((r) => r.file === 'slo.rules.yml').length === 15,
    );
  });
});
