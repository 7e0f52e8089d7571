import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importCircles, mutualFolderPairs } from '../../../deploy/local/check-imports.js';
import { REPO_ROOT } from '@va/harness/shared';

const file = (path: string) => `${REPO_ROOT}/services/${path}`;
const graph = (edges: Record<string, string[]>) =>
  new Map(Object.entries(edges).map(([from, to]) => [file(from), to.map(file)]));

describe('import check (deploy/local/check-imports.ts, run by npm test)', () => {
  it('finds an import circle through any number of files, and a file importing itself', () => {
    const circles = importCircles(
      graph({
        'a/src/x.ts': ['a/src/y.ts'],
        'a/src/y.ts': ['a/src/z.ts'],
        'a/src/z.ts': ['a/src/x.ts'],
        'a/src/self.ts': ['a/src/self.ts'],
        'a/src/main.ts': ['a/src/x.ts'],
      }),
    );
    assert.deepEqual(circles.map((c) => c.map((f) => f.slice(REPO_ROOT.length + 1))).sort(), [
      ['services/a/src/self.ts'],
      ['services/a/src/x.ts', 'services/a/src/y.ts', 'services/a/src/z.ts'],
    ]);
  });

  it('passes a graph whose imports all run one way', () => {
    assert.deepEqual(
      importCircles(
        graph({
          'a/src/main.ts': ['a/src/one/x.ts', 'a/src/two/y.ts'],
          'a/src/one/x.ts': ['a/src/two/y.ts'],
          'a/src/two/y.ts': [],
        }),
      ),
      [],
    );
  });

  it('finds two folders of one service importing each other, not folders of different services or the src root', () => {
    const pairs = mutualFolderPairs(
      graph({
        'a/src/runtime/x.ts': ['a/src/decode/y.ts'],
        'a/src/decode/z.ts': ['a/src/runtime/w.ts'],
        'a/src/main.ts': ['a/src/runtime/x.ts'],
        'a/src/runtime/w.ts': ['a/src/metrics.ts'],
        'b/src/decode/y.ts': ['a/src/runtime/x.ts'],
      }),
    );
    assert.deepEqual(pairs, ['a: decode <-> runtime']);
  });
});
