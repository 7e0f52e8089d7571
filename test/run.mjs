#!/usr/bin/env node
// Runs every test with node's own test runner on the TypeScript sources (tsx), one process per file.
//   node test/run.mjs            unit tests (services/*/src/**/*.test.ts, harness/src/**/*.test.ts) then integration and e2e (test/**/*.test.ts)
//   node test/run.mjs --unit     unit tests only
//   node test/run.mjs PATH...    the given files or folders
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const paths = args.filter((a) => !a.startsWith('--'));

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

let files;
if (paths.length > 0) {
  files = paths.flatMap((p) => (statSync(p).isDirectory() ? find(resolve(p)) : [resolve(p)]));
} else {
  const unit = [
    ...readdirSync(join(root, 'services')).map((s) => join(root, 'services', s, 'src')),
    join(root, 'harness', 'src'),
  ].flatMap((dir) => find(dir));
  files = unitOnly ? unit : [...unit, ...find(join(root, 'test'))];
}
files.sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
console.log(`running ${files.length} test files`);
const concurrency = process.env.VA_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  [
    '--conditions=source',
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, VA_LOG_LEVEL: process.env.VA_LOG_LEVEL ?? 'warn' } },
);
process.exit(result.status ?? 1);
