import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '@va/harness/shared';

const SERVICES = ['common', 'ingest', 'batching-inference', 'tracking', 'embedding-search', 'sanity-check'];
const isTestCode = (file: string) => file.endsWith('.test.ts') || /\/src\/test-support(\/|\.ts$)/.test(file);

/** The source files a build config compiles into dist/ (tsc's own answer, nothing emitted). */
function compiledSources(service: string): string[] {
  const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  const config = join(REPO_ROOT, 'services', service, 'tsconfig.build.json');
  const out = execFileSync(process.execPath, [tsc, '-p', config, '--listFilesOnly'], { encoding: 'utf8' });
  const src = join(REPO_ROOT, 'services', service, 'src') + '/';
  return out.split('\n').filter((f) => f.startsWith(src));
}

describe('release build: tests stay out of dist/ and out of the service image', () => {
  for (const service of SERVICES) {
    it(`${service}: tsconfig.build.json compiles the service's code and none of its tests`, () => {
      const files = compiledSources(service);
      assert.ok(files.length > 5, `only ${files.length} files`);
      if (service !== 'common')
        assert.ok(
          files.some((f) => f.endsWith('/src/main.ts')),
          'main.ts is built',
        );
      assert.deepEqual(files.filter(isTestCode), []);
    });
  }

  it('the image is built with those configs, and the build context leaves tests out', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'deploy/compose/Dockerfile'), 'utf8');
    const build = dockerfile.split('\n').find((l) => l.startsWith('RUN npx tsc -b ')) ?? '';
    const configs = build.replace(/\\$/, '').trim().split(/\s+/).slice(4);
    assert.deepEqual(
      configs.sort(),
      SERVICES.filter((s) => s !== 'common')
        .map((s) => `services/${s}/tsconfig.build.json`)
        .sort(),
    );
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const pattern of [
      '**/*.test.ts',
      'services/*/src/test-support',
      'services/*/src/test-support.ts',
      '**/dist',
    ]) {
      assert.ok(ignored.includes(pattern), `.dockerignore lacks ${pattern}`);
    }
  });
});
