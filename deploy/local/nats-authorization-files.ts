// The committed NATS `authorization` blocks of Compose and Kubernetes, rendered from
// services/common/src/nats/bus-identities.ts with passwords as `$VA_NATS_PASSWORD_<USER>`
// (nats-server reads them from its environment, fed from secrets), so the files hold none.
//   node --conditions=source --import tsx deploy/local/nats-authorization-files.ts   rewrites them
// test/integration/deploy/nats-authorization.test.ts fails when a committed copy is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { passwordFromEnv, renderNatsAuthorization } from '@va/common';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Kustomize loads files only from below the kustomization, so each deployment keeps its own copy. */
export const NATS_AUTHORIZATION_FILES = [
  join('deploy', 'compose', 'nats-authorization.conf'),
  join('deploy', 'k8s', 'base', 'nats-authorization.conf'),
];

export function renderDeployAuthorization(): string {
  return renderNatsAuthorization(passwordFromEnv);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of NATS_AUTHORIZATION_FILES) writeFileSync(join(ROOT, file), renderDeployAuthorization());
  process.stdout.write(`wrote ${NATS_AUTHORIZATION_FILES.join(', ')}\n`);
}
