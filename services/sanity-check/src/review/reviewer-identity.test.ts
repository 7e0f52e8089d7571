import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { reviewerIdentity } from './reviewer-identity.js';

const ctx = (role: 'operator' | 'admin', token?: string) => {
  const metadata = new Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return { role, metadata };
};

describe('reviewer identity', () => {
  it('is the role and a stable pseudonym of the token, never the token', () => {
    const a = reviewerIdentity(ctx('operator', 'secret-token-alice'));
    assert.match(a, /^operator:[0-9a-f]{12}$/);
    assert.ok(!a.includes('secret'));
    assert.equal(reviewerIdentity(ctx('operator', 'secret-token-alice')), a);
    assert.notEqual(reviewerIdentity(ctx('operator', 'secret-token-bob')), a);
    assert.equal(reviewerIdentity(ctx('admin')), 'admin:auth-disabled');
  });
});
