import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { ROLES, type Role } from '../config/grpc.js';
import { PermissionDeniedError, UnauthenticatedError } from '../errors.js';

/** What a method needs: a minimum role, or 'public' (health checks). */
export type MethodAccess = Role | 'public';

export type Caller = { role: Role | 'anonymous' };

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAllows(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Bearer tokens map to roles (viewer < operator < admin). With auth disabled every
 * caller is treated as admin, which the service logs loudly at start-up.
 *
 * A presented token is compared with every known one in constant time: SHA-256 digests
 * (fixed length, so the token's length does not leak) through timingSafeEqual, and no early
 * exit on a match, so the time says nothing about which token or how much of it matched.
 */
export class TokenAuthenticator {
  private readonly known: Array<{ digest: Buffer; role: Role }>;

  constructor(
    private readonly mode: 'required' | 'disabled',
    tokens: ReadonlyMap<string, Role>,
  ) {
    this.known = [...tokens].map(([token, role]) => ({ digest: digest(token), role }));
  }

  private roleOf(token: string): Role | undefined {
    const presented = digest(token);
    let found: Role | undefined;
    for (const entry of this.known) {
      if (timingSafeEqual(entry.digest, presented)) found = entry.role;
    }
    return found;
  }

  authorize(method: string, access: MethodAccess, metadata: Metadata): Caller {
    if (access === 'public') return { role: 'anonymous' };
    if (this.mode === 'disabled') return { role: 'admin' };
    const header = metadata.get('authorization')[0];
    if (header === undefined)
      throw new UnauthenticatedError('missing bearer token (metadata "authorization: Bearer <token>")');
    const match = /^Bearer\s+(\S+)$/i.exec(String(header));
    if (!match) throw new UnauthenticatedError('authorization metadata must be "Bearer <token>"');
    const role = this.roleOf(match[1] as string);
    if (!role) throw new UnauthenticatedError('unknown bearer token');
    if (!roleAllows(role, access)) throw new PermissionDeniedError(method, role, access);
    return { role };
  }
}

export { ROLES };
