// Every package a workspace imports is declared in its own package.json: no workspace may lean on
// another's dependencies through hoisting. The root package owns bench/, loadtest/, deploy/ and
// test/.   node --conditions=source --import tsx deploy/local/declared-dependencies.ts
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface UndeclaredImport {
  /** The package.json that should list it. */
  manifest: string;
  file: string;
  pkg: string;
}

interface Manifest {
  name: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'gen', 'results', 'reports']);
const SOURCE = /\.(ts|mts|mjs|js)$/;
// Static imports and re-exports (over several lines too), side-effect imports, dynamic import() calls.
const SPECIFIER =
  /^\s*(?:(?:import|export)\b[^;'"`]*?\bfrom\s*|import\s*)['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
const BUILTINS = new Set(builtinModules);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIPPED_DIRS.has(name) || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE.test(name)) out.push(path);
  }
  return out;
}

/** The package a bare specifier names (`@scope/name/sub` -> `@scope/name`); undefined for relative paths and node's own modules. */
export function packageOf(specifier: string): string | undefined {
  if (
    specifier.startsWith('.') ||
    specifier.startsWith('/') ||
    specifier.startsWith('node:') ||
    BUILTINS.has(specifier)
  )
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

function declared(m: Manifest): Set<string> {
  return new Set([
    m.name,
    ...[m.dependencies, m.devDependencies, m.peerDependencies, m.optionalDependencies].flatMap((d) =>
      Object.keys(d ?? {}),
    ),
  ]);
}

/** Imports of packages that the owning package.json does not list, for the workspace root `root`. */
export function undeclaredImports(root: string): UndeclaredImport[] {
  const rootManifest = readManifest(root);
  const workspaces = rootManifest.workspaces ?? [];
  const owners = [...workspaces.map((w) => join(root, w)), root];
  const out: UndeclaredImport[] = [];
  for (const owner of owners) {
    const have = declared(readManifest(owner));
    // The root owns what no workspace does: its own top-level folders, not the workspaces'.
    const dirs =
      owner === root
        ? readdirSync(root).filter(
            (d) =>
              !d.startsWith('.') &&
              !SKIPPED_DIRS.has(d) &&
              statSync(join(root, d)).isDirectory() &&
              !workspaces.some((w) => w === d || w.startsWith(`${d}/`)),
          )
        : ['.'];
    const files = dirs.flatMap((d) => sourceFiles(join(owner, d)));
    if (owner === root)
      files.push(
        ...readdirSync(root)
          .filter((f) => SOURCE.test(f))
          .map((f) => join(root, f)),
      );
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
        const pkg = packageOf((match[1] ?? match[2]) as string);
        if (pkg && !have.has(pkg))
          out.push({ manifest: relative(root, join(owner, 'package.json')), file: relative(root, file), pkg });
      }
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const missing = undeclaredImports(root);
  for (const m of missing) console.error(`${m.file} imports ${m.pkg}, which ${m.manifest} does not declare`);
  if (missing.length > 0) process.exit(1);
  console.log('every workspace declares what it imports');
}
