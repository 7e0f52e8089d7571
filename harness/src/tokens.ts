import { randomBytes } from 'node:crypto';

/** A fresh bearer token for one test process: long and random, as services require (no fixed test tokens to leak or reuse). */
export function testToken(role: string): string {
  return `${role}-${randomBytes(16).toString('hex')}`;
}
