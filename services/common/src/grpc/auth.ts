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

/**
 * Bearer tokens map to roles (viewer < operator < admin). With auth disabled every
 * caller is treated as admin, which the service logs loudly at start-up.
 */
export class TokenAuthenticator {
  constructor(
    private readonly mode: 'required' | 'disabled',
    private readonly tokens: ReadonlyMap<string, Role>,
  ) {}

  authorize(method: string, access: MethodAccess, metadata: Metadata): Caller {
    if (access === 'public') return { role: 'anonymous' };
    if (this.mode === 'disabled') return { role: 'admin' };
    const header = metadata.get('authorization')[0];
    if (header === undefined) throw new UnauthenticatedError('missing bearer token (metadata "authorization: Bearer <token>")');
    const match = /^Bearer\s+(\S+)$/i.exec(String(header));
    if (!match) throw new UnauthenticatedError('authorization metadata must be "Bearer <token>"');
    const role = this.tokens.get(match[1] as string);
    if (!role) throw new UnauthenticatedError('unknown bearer token');
    if (!roleAllows(role, access)) throw new PermissionDeniedError(method, role, access);
    return { role };
  }
}

export { ROLES };
