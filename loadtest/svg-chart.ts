// Line charts as self-contained SVG (no scripts, no external assets), for the HTML report.

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

export interface ChartOptions {
  title: string;
  /** Unit of the y axis, shown in the title. */
  unit: string;
  xLabel?: string;
  series: Series[];
  width?: number;
  height?: number;
  /** A horizontal reference line (e.g. the 200 ms objective). */
  threshold?: { value: number; label: string };
  /** An x range to shade (the measured window of a run). */
  shade?: { from: number; to: number };
}

const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

const escape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A "nice" step (1, 2 or 5 × 10^k) giving about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw || 1));
  const n = raw / magnitude;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * magnitude;
}

const format = (v: number) =>
  Math.abs(v) >= 1000
    ? `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k`
    : Number.isInteger(v)
      ? String(v)
      : v.toFixed(v < 1 ? 2 : 1);

export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 260;
  const legendRows = Math.ceil(o.series.length / 4);
  const m = { left: 56, right: 16, top: 28, bottom: 40 + 14 * legendRows };
  const finite = o.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = finite.map(([x]) => x);
  const ys = finite.map(([, y]) => y);
  if (o.threshold) ys.push(o.threshold.value);
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs, xMin + 1) : 1;
  const yMax = ys.length ? Math.max(...ys, 0) * 1.08 || 1 : 1;
  const px = (x: number) => m.left + ((x - xMin) / (xMax - xMin)) * (width - m.left - m.right);
  const py = (y: number) => height - m.bottom - (y / yMax) * (height - m.top - m.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<text x="${m.left}" y="16" font-size="13" font-weight="bold">${escape(o.title)} (${escape(o.unit)})</text>`,
  ];
  if (o.shade) {
    const x1 = px(Math.max(xMin, o.shade.from));
    const x2 = px(Math.min(xMax, o.shade.to));
    parts.push(
      `<rect x="${x1.toFixed(1)}" y="${m.top}" width="${Math.max(0, x2 - x1).toFixed(1)}" height="${height - m.top - m.bottom}" fill="#f3f6fb"/>`,
    );
  }
  const yStep = niceStep(yMax, 5);
  for (let y = 0; y <= yMax; y += yStep) {
    parts.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" stroke="#e5e5e5"/>`,
    );
    parts.push(
      `<text x="${m.left - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end" fill="#555">${format(y)}</text>`,
    );
  }
  const xStep = niceStep(xMax - xMin, 8);
  for (let x = Math.ceil(xMin / xStep) * xStep; x <= xMax; x += xStep) {
    parts.push(
      `<text x="${px(x).toFixed(1)}" y="${height - m.bottom + 15}" text-anchor="middle" fill="#555">${format(x)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}" stroke="#999"/>`,
  );
  parts.push(
    `<text x="${(m.left + width - m.right) / 2}" y="${height - m.bottom + 28}" text-anchor="middle" fill="#555">${escape(o.xLabel ?? 'seconds')}</text>`,
  );
  if (o.threshold) {
    const y = py(o.threshold.value).toFixed(1);
    parts.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${y}" y2="${y}" stroke="#d62728" stroke-dasharray="5,4"/>`,
    );
    parts.push(
      `<text x="${width - m.right - 2}" y="${Number(y) - 4}" text-anchor="end" fill="#d62728">${escape(o.threshold.label)}</text>`,
    );
  }
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    // Gaps (NaN: nothing measured in that interval) break the line instead of dropping to zero.
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`;
      pen = true;
    }
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
    const lx = m.left + (i % 4) * ((width - m.left) / 4);
    const ly = height - m.bottom + 44 + 14 * Math.floor(i / 4);
    parts.push(
      `<rect x="${lx}" y="${ly - 5}" width="10" height="3" fill="${color}"/><text x="${lx + 14}" y="${ly}" fill="#333">${escape(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
