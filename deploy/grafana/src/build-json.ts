import type { Dashboard, Panel } from './model.js';

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** Grafana's dashboard JSON model (schema 39, Grafana 10/11) for one dashboard. */
export function dashboardJson(d: Dashboard): Record<string, unknown> {
  const panels: Array<Record<string, unknown>> = [];
  let id = 1;
  let y = 0;
  for (const row of d.rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.row,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    for (const panel of row.panels) {
      const w = panel.width ?? 12;
      if (x + w > 24) {
        x = 0;
        y += 8;
      }
      panels.push(panelJson(panel, id++, { h: 8, w, x, y }));
      x += w;
    }
    y += 8;
  }
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['video-analytics'],
    editable: true,
    graphTooltip: 1,
    refresh: '10s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-1h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    links: [
      {
        type: 'dashboards',
        tags: ['video-analytics'],
        asDropdown: true,
        title: 'Video analytics',
        includeVars: true,
        keepTime: true,
      },
    ],
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: { text: 'Prometheus', value: 'prometheus' },
          hide: 0,
        },
        ...(d.variables ?? []).map((v) => ({
          name: v.name,
          label: v.label,
          type: 'query',
          datasource: DATASOURCE,
          query: { query: v.query, refId: `${v.name}-values` },
          definition: v.query,
          refresh: 2,
          includeAll: true,
          allValue: '.*',
          multi: true,
          sort: 1,
          current: { text: 'All', value: '$__all' },
          hide: 0,
        })),
      ],
    },
    panels,
  };
}

function panelJson(p: Panel, id: number, gridPos: Record<string, number>): Record<string, unknown> {
  const kind = p.kind ?? 'timeseries';
  const steps = [{ color: 'green', value: null }, ...(p.thresholds ?? []).map(([value, color]) => ({ color, value }))];
  return {
    id,
    type: kind,
    title: p.title,
    description: p.description,
    datasource: DATASOURCE,
    gridPos,
    targets: p.queries.map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr: q.expr,
      legendFormat: q.legend ?? '__auto',
      range: true,
      ...(kind === 'heatmap' ? { format: 'heatmap' } : {}),
    })),
    fieldConfig: {
      defaults: {
        unit: p.unit ?? 'short',
        ...(p.max !== undefined ? { max: p.max } : {}),
        thresholds: { mode: 'absolute', steps },
        ...(kind === 'timeseries'
          ? {
              custom: {
                drawStyle: 'line',
                fillOpacity: p.stack ? 30 : 10,
                showPoints: 'never',
                stacking: { mode: p.stack ? 'normal' : 'none' },
              },
            }
          : {}),
      },
      overrides: [],
    },
    options:
      kind === 'timeseries'
        ? {
            legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
            tooltip: { mode: 'multi', sort: 'desc' },
          }
        : kind === 'heatmap'
          ? {
              calculate: false,
              yAxis: { unit: p.unit ?? 'short' },
              color: { scheme: 'Oranges', mode: 'scheme' },
              cellGap: 1,
            }
          : {
              reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
              colorMode: 'value',
              graphMode: 'area',
              textMode: 'auto',
            },
  };
}
