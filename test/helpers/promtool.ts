import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '@va/harness/shared';

/** Runs promtool (Debian package prometheus) in the repository root; output is stdout and stderr together. */
export function promtool(...args: string[]): { code: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.error)
    throw new Error(
      `promtool not runnable (${result.error.message}); install it with: sudo apt-get install -y prometheus (or run deploy/local/setup.sh)`,
    );
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}
