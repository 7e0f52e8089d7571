import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@va/common';

type SortValue = string | number | boolean | null;

/**
 * Opaque page tokens for search_after paging: the sort values of the last hit of a page, bound to
 * the query they came from (a hash of it), base64url. Not a secret, but not meant to be built by
 * hand: a token that does not decode, or belongs to another query, is INVALID_ARGUMENT.
 */
export function encodePageToken(query: unknown, after: readonly SortValue[]): string {
  return Buffer.from(JSON.stringify({ v: 1, q: fingerprint(query), a: after })).toString('base64url');
}

/** The sort values to continue after, or undefined for the first page (empty token). */
export function decodePageToken(token: string, query: unknown): SortValue[] | undefined {
  if (token === '') return undefined;
  const bad = (why: string) => new InvalidArgumentError(`page_token is not valid: ${why}`, 'page_token');
  if (token.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(token)) throw bad('not a token this service issued');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad('not a token this service issued');
  }
  const t = parsed as { v?: unknown; q?: unknown; a?: unknown };
  if (t?.v !== 1 || typeof t.q !== 'string' || !Array.isArray(t.a) || t.a.length === 0 || t.a.length > 8)
    throw bad('not a token this service issued');
  if (!t.a.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x)))
    throw bad('not a token this service issued');
  if (t.q !== fingerprint(query))
    throw bad('it belongs to a different query (filters must stay the same while paging)');
  return t.a as SortValue[];
}

function fingerprint(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
}
