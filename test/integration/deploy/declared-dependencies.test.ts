import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '@va/harness/shared';
import { undeclaredImports } from '../../../deploy/local/declared-dependencies.js';

describe('every workspace declares what it imports (no reliance on hoisting)', () => {
  it('holds for this repository', () => {
    const missing = undeclaredImports(REPO_ROOT);
    assert.deepEqual(
      missing,
      [],
      missing.map((m) => `${m.file} imports ${m.pkg}, which ${m.manifest} does not declare`).join('\n'),
    );
  });

  const root = mkdtempSync(join(tmpdir(), 'va-deps-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  it('names each import a package.json does not declare, in a workspace and in the root folders', () => {
    write('package.json', JSON.stringify({ name: 'root', workspaces: ['pkgs/a'], devDependencies: { zod: '^4' } }));
    write('pkgs/a/package.json', JSON.stringify({ name: '@x/a', dependencies: { nats: '^2' } }));
    write(
      'pkgs/a/src/main.ts',
      "import { connect } from 'nats';\nimport { readFileSync } from 'node:fs';\nimport {\n  z,\n} from 'zod';\nimport { a } from '@x/a/sub';\nimport './local.js';\n",
    );
    write(
      'tools/run.ts',
      "import { z } from 'zod';\nexport { Registry } from 'prom-client';\nconst m = await import('@grpc/grpc-js');\n// not an import: from 'sharp'\n",
    );
    const found = undeclaredImports(root)
      .map((m) => `${m.manifest} ${m.file} ${m.pkg}`)
      .sort();
    assert.deepEqual(found, [
      'package.json tools/run.ts @grpc/grpc-js',
      'package.json tools/run.ts prom-client',
      'pkgs/a/package.json pkgs/a/src/main.ts zod',
    ]);
  });
});
