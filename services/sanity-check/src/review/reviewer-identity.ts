import { createHash } from 'node:crypto';
import type { CallContext } from '@va/common';

/**
 * Who made a review decision: the caller's role and a pseudonym of its bearer token (the first
 * 12 hex digits of its SHA-256), e.g. "operator:3f2a9c1be04d". Tokens are per person or per tool,
 * so the pseudonym tells reviewers apart without the token ever being stored or logged. With
 * gRPC auth disabled every caller is "admin:auth-disabled".
 */
export function reviewerIdentity(ctx: Pick<CallContext, 'role' | 'metadata'>): string {
  const header = ctx.metadata.get('authorization')[0];
  const token = header === undefined ? undefined : /^Bearer\s+(\S+)$/i.exec(String(header))?.[1];
  if (!token) return `${ctx.role}:auth-disabled`;
  return `${ctx.role}:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}
