// `npm test` runs this: fails on any import circle among the services' source files and on any
// two folders inside one service that import each other. Only relative imports are followed (a
// service reaches another package by name, and packages cannot import each other in a circle
// through tsc -b's project references); type-only imports count too, since they tie the modules
// together just the same for a reader.
//   node --conditions=source --import tsx deploy/local/check-imports.ts [--report]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const servicesDir = join(root, 'services');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'gen' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The file a relative specifier names: NodeNext sources write `./x.js` for `./x.ts`. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => c.endsWith('.ts') && existsSync(c));
}

export function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((s) => s.startsWith('.'))
      .map((s) => resolveRelative(file, s))
      .filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself): Tarjan. */
export function importCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) circles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return circles;
}

/**
 * Pairs of folders of one service where each imports the other. A folder is a file's directory
 * relative to the service's src/; files directly in src/ (main, config, metrics: the wiring) are
 * not a folder of their own here.
 */
export function mutualFolderPairs(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const folderOf = (file: string): { service: string; folder: string } | undefined => {
    const parts = relative(servicesDir, file).split('/');
    if (parts[1] !== 'src' || parts.length < 4) return undefined;
    return { service: parts[0]!, folder: parts.slice(2, -1).join('/') };
  };
  const edges = new Set<string>();
  for (const [from, targets] of graph) {
    const a = folderOf(from);
    for (const to of targets) {
      const b = folderOf(to);
      if (a && b && a.service === b.service && a.folder !== b.folder)
        edges.add(`${a.service}: ${a.folder} -> ${b.folder}`);
    }
  }
  const pairs: string[] = [];
  for (const edge of edges) {
    const [service, path] = edge.split(': ') as [string, string];
    const [a, b] = path.split(' -> ') as [string, string];
    if (a < b && edges.has(`${service}: ${b} -> ${a}`)) pairs.push(`${service}: ${a} <-> ${b}`);
  }
  return pairs.sort();
}

function main(): void {
  const files = readdirSync(servicesDir).flatMap((s) => {
    const src = join(servicesDir, s, 'src');
    return existsSync(src) ? sourceFiles(src) : [];
  });
  const graph = importGraph(files);
  const circles = importCircles(graph);
  const pairs = mutualFolderPairs(graph);
  const show = (f: string) => relative(root, f);
  for (const circle of circles) console.error(`import circle: ${circle.map(show).join(', ')}`);
  for (const pair of pairs) console.error(`folders importing each other: ${pair}`);
  if (process.argv.includes('--report')) {
    const largest = files
      .filter((f) => !f.endsWith('.test.ts'))
      .map((f) => ({ f, lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .sort((x, y) => y.lines - x.lines)
      .slice(0, 5);
    for (const { f, lines } of largest) console.log(`${lines} ${show(f)}`);
  }
  console.log(
    `import check: ${files.length} files, ${circles.length} import circles, ${pairs.length} folder pairs importing each other`,
  );
  if (circles.length > 0 || pairs.length > 0) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
