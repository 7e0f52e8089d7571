import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { PermissionDeniedError, UnauthenticatedError } from '../errors.js';
import { TokenAuthenticator } from './auth.js';

function md(auth?: string): Metadata {
  const m = new Metadata();
  if (auth !== undefined) m.set('authorization', auth);
  return m;
}

describe('TokenAuthenticator', () => {
  const auth = new TokenAuthenticator(
    'required',
    new Map([
      ['viewer-token', 'viewer'],
      ['operator-token', 'operator'],
      ['admin-token', 'admin'],
    ]),
  );

  it('orders roles viewer < operator < admin', () => {
    assert.equal(auth.authorize('/x/Read', 'viewer', md('Bearer operator-token')).role, 'operator');
    assert.equal(auth.authorize('/x/Change', 'operator', md('Bearer admin-token')).role, 'admin');
    assert.throws(() => auth.authorize('/x/Change', 'operator', md('Bearer viewer-token')), PermissionDeniedError);
    assert.throws(() => auth.authorize('/x/Admin', 'admin', md('Bearer operator-token')), PermissionDeniedError);
  });

  it('needs a well-formed, known bearer token', () => {
    assert.throws(() => auth.authorize('/x/Read', 'viewer', md()), UnauthenticatedError);
    assert.throws(() => auth.authorize('/x/Read', 'viewer', md('viewer-token')), UnauthenticatedError);
    assert.throws(() => auth.authorize('/x/Read', 'viewer', md('Bearer nope')), UnauthenticatedError);
  });

  it('matches whole tokens only: a prefix, an extension or a one-character change is unknown', () => {
    for (const t of ['admin-toke', 'admin-token-', 'admin-tokem', 'ADMIN-TOKEN', '']) {
      assert.throws(() => auth.authorize('/x/Read', 'viewer', md(`Bearer ${t}`)), UnauthenticatedError, t);
    }
  });

  it('lets anyone call public methods, and everyone is admin when auth is disabled', () => {
    assert.equal(auth.authorize('/grpc.health.v1.Health/Check', 'public', md()).role, 'anonymous');
    const open = new TokenAuthenticator('disabled', new Map());
    assert.equal(open.authorize('/x/Admin', 'admin', md()).role, 'admin');
  });
});
