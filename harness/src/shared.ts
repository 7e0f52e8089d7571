import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The shared models and data, from VA_SHARED_DIR (default ../shared beside the checkout). */
export function sharedDir(): string {
  return resolve(REPO_ROOT, process.env.VA_SHARED_DIR ?? '../shared');
}

/** A file under the shared folder; fails with a clear message when it is missing. */
export function sharedFile(relative: string): string {
  const path = join(sharedDir(), relative);
  if (!existsSync(path)) {
    throw new Error(
      `shared file ${relative} not found at ${path}; set VA_SHARED_DIR to the folder holding models/ and data/`,
    );
  }
  return path;
}
