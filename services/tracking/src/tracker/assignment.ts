/**
 * Linear assignment. `solveAssignment` is the Hungarian method with potentials (the shortest
 * augmenting path form of Jonker-Volgenant), O(n^2 m) for n rows <= m columns. `linearAssignment`
 * is what trackers need: pairs may only be made at cost <= threshold and the result is the
 * matching that minimises  sum(matched cost) + threshold/2 * (unmatched rows + unmatched columns),
 * the same problem ByteTrack hands to lap.lapjv(extend_cost=True, cost_limit=threshold). It is
 * solved per connected component of the admissible pairs, which are small in practice.
 */

export interface AssignmentResult {
  /** [row, column] pairs, ordered by row. */
  matches: Array<[number, number]>;
  unmatchedRows: number[];
  unmatchedCols: number[];
}

/**
 * Minimum-cost assignment of every row (n <= m) or every column (n > m) of a dense row-major
 * n x m matrix of finite costs. Returns for each row its column, or -1.
 */
export function solveAssignment(cost: ArrayLike<number>, n: number, m: number): Int32Array {
  if (n === 0 || m === 0) return new Int32Array(n).fill(-1);
  if (n > m) {
    const t = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = cost[i * m + j] as number;
    const colToRow = solveAssignment(t, m, n);
    const rowToCol = new Int32Array(n).fill(-1);
    for (let j = 0; j < m; j++) rowToCol[colToRow[j] as number] = j;
    return rowToCol;
  }
  // 1-based arrays as in the textbook formulation; index 0 is the virtual start column.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0] as number;
      const rowBase = (i0 - 1) * m;
      const ui0 = u[i0] as number;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = (cost[rowBase + j - 1] as number) - ui0 - (v[j] as number);
        if (cur < (minv[j] as number)) {
          minv[j] = cur;
          way[j] = j0;
        }
        if ((minv[j] as number) < delta) {
          delta = minv[j] as number;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j] as number] = (u[p[j] as number] as number) + delta;
          v[j] = (v[j] as number) - delta;
        } else {
          minv[j] = (minv[j] as number) - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0] as number;
      p[j0] = p[j1] as number;
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Int32Array(n).fill(-1);
  for (let j = 1; j <= m; j++) if ((p[j] as number) > 0) rowToCol[(p[j] as number) - 1] = j - 1;
  return rowToCol;
}

/**
 * Optimal matching where a pair is admissible only when cost <= threshold (NaN and Infinity
 * never are). Equivalent to maximising the sum of (threshold - cost) over matched pairs.
 */
export function linearAssignment(cost: ArrayLike<number>, n: number, m: number, threshold: number): AssignmentResult {
  const matches: Array<[number, number]> = [];
  if (n === 0 || m === 0) return { matches, unmatchedRows: range(n), unmatchedCols: range(m) };

  // Union-find over rows 0..n-1 and columns n..n+m-1 joined by admissible pairs.
  const parent = new Int32Array(n + m);
  for (let k = 0; k < n + m; k++) parent[k] = k;
  const find = (k: number): number => {
    while (parent[k] !== k) {
      parent[k] = parent[parent[k] as number] as number;
      k = parent[k] as number;
    }
    return k;
  };
  let anyEdge = false;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      if ((cost[i * m + j] as number) <= threshold) {
        anyEdge = true;
        const a = find(i);
        const b = find(n + j);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const rowMatch = new Int32Array(n).fill(-1);
  const colMatch = new Int32Array(m).fill(-1);
  if (anyEdge) {
    const components = new Map<number, { rows: number[]; cols: number[] }>();
    for (let k = 0; k < n + m; k++) {
      const root = find(k);
      let c = components.get(root);
      if (!c) components.set(root, (c = { rows: [], cols: [] }));
      if (k < n) c.rows.push(k);
      else c.cols.push(k - n);
    }
    for (const { rows, cols } of components.values()) {
      if (rows.length === 0 || cols.length === 0) continue;
      if (rows.length === 1 && cols.length === 1) {
        rowMatch[rows[0] as number] = cols[0] as number;
        colMatch[cols[0] as number] = rows[0] as number;
        continue;
      }
      // Admissible pairs cost (cost - threshold) <= 0, the rest 0: a full assignment of this
      // matrix, minus its zero-cost pairs, is a maximum-weight matching.
      const sub = new Float64Array(rows.length * cols.length);
      for (let a = 0; a < rows.length; a++) {
        for (let b = 0; b < cols.length; b++) {
          const c = cost[(rows[a] as number) * m + (cols[b] as number)] as number;
          sub[a * cols.length + b] = c <= threshold ? c - threshold : 0;
        }
      }
      const assigned = solveAssignment(sub, rows.length, cols.length);
      for (let a = 0; a < rows.length; a++) {
        const b = assigned[a] as number;
        if (b < 0) continue;
        const i = rows[a] as number;
        const j = cols[b] as number;
        if ((cost[i * m + j] as number) <= threshold) {
          rowMatch[i] = j;
          colMatch[j] = i;
        }
      }
    }
  }
  const unmatchedRows: number[] = [];
  const unmatchedCols: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = rowMatch[i] as number;
    if (j >= 0) matches.push([i, j]);
    else unmatchedRows.push(i);
  }
  for (let j = 0; j < m; j++) if ((colMatch[j] as number) < 0) unmatchedCols.push(j);
  return { matches, unmatchedRows, unmatchedCols };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
