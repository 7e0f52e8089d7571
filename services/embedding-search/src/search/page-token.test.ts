import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@va/common';
import { decodePageToken, encodePageToken } from './page-token.js';

describe('page tokens', () => {
  const query = { f: { cameraIds: ['cam-1'] }, t: ['started'] };

  it('round-trip the sort values for the same query', () => {
    const token = encodePageToken(query, [1_700_000_000_000, 'ev-42']);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodePageToken(token, query), [1_700_000_000_000, 'ev-42']);
    assert.equal(decodePageToken('', query), undefined);
  });

  it('refuse tokens of another query and anything that is not a token', () => {
    const token = encodePageToken(query, [1, 'a']);
    assert.throws(() => decodePageToken(token, { ...query, t: [] }), /different query/);
    for (const bad of ['%%%', 'e30', Buffer.from('{"v":1,"q":"x","a":[{}]}').toString('base64url'), 'x'.repeat(5000)]) {
      assert.throws(() => decodePageToken(bad, query), InvalidArgumentError, bad.slice(0, 20));
    }
  });
});
