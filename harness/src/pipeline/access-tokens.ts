// Bearer tokens for one run of the pipeline: one per human role, and one the search service uses
// to call the inference service (accepted there only, as a viewer: least privilege).
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';

export interface AccessTokens {
  viewer: string;
  operator: string;
  admin: string;
  /** embedding-search → batching-inference (Embed for image queries). */
  searchToInference: string;
}

export function generateTokens(): AccessTokens {
  const token = (label: string) => `${label}-${randomBytes(16).toString('hex')}`;
  return {
    viewer: token('viewer'),
    operator: token('operator'),
    admin: token('admin'),
    searchToInference: token('svc-search'),
  };
}

/** VA_GRPC_TOKENS for a service: the human roles, plus the service token where it is accepted. */
export function tokenList(tokens: AccessTokens, options: { acceptSearchService?: boolean } = {}): string {
  const pairs = [`viewer:${tokens.viewer}`, `operator:${tokens.operator}`, `admin:${tokens.admin}`];
  if (options.acceptSearchService) pairs.push(`viewer:${tokens.searchToInference}`);
  return pairs.join(',');
}

/** Writes the human tokens as `VA_<ROLE>_TOKEN=...` lines, readable by the owner only. */
export function writeTokensFile(path: string, tokens: AccessTokens): void {
  const lines = (['viewer', 'operator', 'admin'] as const).map(
    (role) => `VA_${role.toUpperCase()}_TOKEN=${tokens[role]}`,
  );
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}
