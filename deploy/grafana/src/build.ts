// Writes deploy/grafana/dashboards/*.json from the definitions in this folder.
//   node --import tsx deploy/grafana/src/build.ts           write
//   node --import tsx deploy/grafana/src/build.ts --check   fail when a committed file differs
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardJson } from './build-json.js';
import { DASHBOARDS } from './dashboards.js';

export const DASHBOARD_DIR = fileURLToPath(new URL('../dashboards', import.meta.url));

export function renderedDashboards(): Array<{ path: string; text: string }> {
  return DASHBOARDS.map((d) => ({
    path: join(DASHBOARD_DIR, d.file),
    text: `${JSON.stringify(dashboardJson(d), null, 2)}\n`,
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const { path, text } of renderedDashboards()) {
    if (check) {
      let current = '';
      try {
        current = readFileSync(path, 'utf8');
      } catch {
        // missing counts as stale
      }
      if (current !== text) {
        console.error(`stale: ${path}`);
        stale++;
      }
    } else {
      writeFileSync(path, text);
      console.log(`wrote ${path}`);
    }
  }
  if (stale > 0) {
    console.error('run: npm run dashboards');
    process.exit(1);
  }
}
