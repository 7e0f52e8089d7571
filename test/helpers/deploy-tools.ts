import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@va/harness/shared';

/** Where deploy/local/setup.sh installs the deployment checkers (ignored by git). */
export const TOOLS_DIR = join(REPO_ROOT, '.tools');

/**
 * The path of a deployment checker: check-jsonschema, kubernetes-validate and python (the venv
 * under .tools/venv), kustomize (.tools/bin, ~/go/bin or PATH). Fails with how to install it.
 */
export function tool(name: 'check-jsonschema' | 'kubernetes-validate' | 'python' | 'kustomize'): string {
  const candidates =
    name === 'kustomize'
      ? [join(TOOLS_DIR, 'bin', 'kustomize'), join(process.env.GOPATH ?? join(homedir(), 'go'), 'bin', 'kustomize')]
      : [join(TOOLS_DIR, 'venv', 'bin', name)];
  const found = candidates.find((c) => existsSync(c));
  if (found) return found;
  if (name === 'kustomize' && spawnSync('kustomize', ['version']).status === 0) return 'kustomize';
  throw new Error(
    `${name} not found (looked in ${candidates.join(', ')}); install it with: bash deploy/local/setup.sh`,
  );
}

/** Runs a command in the repository root; output is stdout and stderr together. */
export function run(
  command: string,
  args: string[],
  input?: string,
): { code: number | null; stdout: string; output: string } {
  const result = spawnSync(command, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...(input !== undefined ? { input } : {}),
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

/** The documents of a YAML stream (ruamel.yaml from the checkers' venv: merge keys and anchors resolved). */
export function yamlDocuments(text: string): unknown[] {
  const script =
    'import json, sys\nfrom ruamel.yaml import YAML\nprint(json.dumps([d for d in YAML(typ="safe").load_all(sys.stdin) if d is not None]))';
  const { code, stdout, output } = run(tool('python'), ['-c', script], text);
  if (code !== 0) throw new Error(`YAML not readable: ${output}`);
  return JSON.parse(stdout) as unknown[];
}
