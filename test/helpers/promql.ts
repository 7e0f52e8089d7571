import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS } from '../../deploy/grafana/src/dashboards.js';
import { REPO_ROOT } from '@va/harness/shared';

/** Grafana's built-in range variables, replaced by a fixed window so the expression is plain PromQL. */
export function withGrafanaVariables(expr: string, window = '5m', values: Record<string, string> = {}): string {
  return expr
    .replace(/\$(__rate_interval|__interval|__range)\b/g, window)
    .replace(/\$([A-Za-z_]\w*)/g, (all, name: string) => values[name] ?? '.*');
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
  'start',
  'end',
]);
const LABEL_LIST_BEFORE = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/**
 * The metric names a PromQL expression selects: identifiers that are not functions or
 * aggregations (followed by "("), keywords, label names (inside {...} or after by/on/...),
 * strings, durations or numbers. Selectors by `__name__` are refused: their names cannot be checked.
 */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  let i = 0;
  const skipTo = (close: string) => {
    const end = expr.indexOf(close, i);
    if (end < 0) throw new Error(`unbalanced ${close} in: ${expr}`);
    i = end + 1;
  };
  let previousWord = '';
  while (i < expr.length) {
    const c = expr[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) j += expr[j] === '\\' ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (c === '{') {
      const start = i;
      // Label matchers may hold quoted braces; strings are skipped by the scan in the block.
      let j = i + 1;
      while (j < expr.length && expr[j] !== '}') {
        const q = expr[j] as string;
        if (q === '"' || q === "'" || q === '`') {
          j++;
          while (j < expr.length && expr[j] !== q) j += expr[j] === '\\' ? 2 : 1;
        }
        j++;
      }
      if (/__name__/.test(expr.slice(start, j))) throw new Error(`selector by __name__ cannot be checked: ${expr}`);
      i = j + 1;
      continue;
    }
    if (c === '[') {
      skipTo(']');
      continue;
    }
    if (c === '(' && LABEL_LIST_BEFORE.has(previousWord)) {
      skipTo(')');
      previousWord = '';
      continue;
    }
    const word = /^[A-Za-z_:][\w:]*/.exec(expr.slice(i));
    if (word) {
      const w = word[0];
      i += w.length;
      const rest = expr.slice(i);
      // A function or aggregation: followed by "(", or an aggregation's "by"/"without" clause.
      const isCall = /^\s*\(/.test(rest) || /^\s*(by|without)\s*\(/.test(rest);
      if (!KEYWORDS.has(w.toLowerCase()) && !isCall) names.add(w);
      if (w === 'offset') {
        const duration = /^\s*-?[\dsmhdwy]+/.exec(expr.slice(i));
        if (duration) i += duration[0].length;
      }
      previousWord = w;
      continue;
    }
    const number = /^(0x[\da-f]+|\d+(\.\d*)?(e[+-]?\d+)?)/i.exec(expr.slice(i));
    if (number) {
      i += number[0].length;
      continue;
    }
    if (!/\s/.test(c)) previousWord = '';
    i++;
  }
  return [...names];
}

export interface RuleExpr {
  file: string;
  /** The recording rule's name or the alert's name. */
  name: string;
  kind: 'record' | 'alert';
  expr: string;
}

const RULES_DIR = join(REPO_ROOT, 'deploy', 'prometheus', 'rules');

/**
 * Every rule in deploy/prometheus/rules: name and expression, from the rule files' YAML (the
 * subset they use: `- record:`/`- alert:` followed by `expr:` on one line or as a `|` block).
 */
export function ruleExpressions(dir = RULES_DIR): RuleExpr[] {
  const rules: RuleExpr[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .sort()) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    let current: Omit<RuleExpr, 'expr'> | undefined;
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n] as string;
      const head = /^\s*- (record|alert): (\S+)\s*$/.exec(line);
      if (head) {
        current = { file, kind: head[1] as 'record' | 'alert', name: head[2] as string };
        continue;
      }
      const expr = /^(\s*)expr: (.*)$/.exec(line);
      if (!expr || !current) continue;
      let text = (expr[2] as string).trim();
      if (text === '|' || text === '|-' || text === '>') {
        const indent = (expr[1] as string).length;
        const block: string[] = [];
        while (
          n + 1 < lines.length &&
          (/^\s*$/.test(lines[n + 1] as string) || /^(\s*)/.exec(lines[n + 1] as string)![1]!.length > indent)
        )
          block.push((lines[++n] as string).trim());
        text = block.join('\n').trim();
      } else if (/^'.*'$/.test(text)) {
        text = text.slice(1, -1).replace(/''/g, "'");
      }
      rules.push({ ...current, expr: text });
      current = undefined;
    }
  }
  return rules;
}

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  expr: string;
  legend?: string;
  emptyWhen?: string;
}

/** Every query of every provisioned dashboard (from the definitions the JSON is built from). */
export function dashboardQueries(): DashboardQuery[] {
  return DASHBOARDS.flatMap((d) =>
    d.rows.flatMap((r) =>
      r.panels.flatMap((p) =>
        p.queries.map((q) => ({
          dashboard: d.title,
          panel: p.title,
          expr: q.expr,
          ...(q.legend ? { legend: q.legend } : {}),
          ...(q.emptyWhen ? { emptyWhen: q.emptyWhen } : {}),
        })),
      ),
    ),
  );
}

/** Metric names a /metrics text declares (`# TYPE` lines), with the series names histograms and summaries expand to. */
export function declaredMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}
