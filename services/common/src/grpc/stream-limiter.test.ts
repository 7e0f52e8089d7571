import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResourceExhaustedError } from '../errors.js';
import { StreamLimiter } from './stream-limiter.js';

describe('StreamLimiter', () => {
  it('bounds streams per connection and on the whole server; a release frees exactly one slot, once', () => {
    const limiter = new StreamLimiter(2, 3);
    const a1 = limiter.acquire('ipv4:10.0.0.1:1000');
    const a2 = limiter.acquire('ipv4:10.0.0.1:1000');
    assert.equal(typeof a1, 'function');
    assert.equal(typeof a2, 'function');
    const a3 = limiter.acquire('ipv4:10.0.0.1:1000');
    assert.ok(typeof a3 !== 'function' && a3.refused === 'connection' && a3.error instanceof ResourceExhaustedError);
    const b1 = limiter.acquire('ipv4:10.0.0.2:2000');
    assert.equal(typeof b1, 'function');
    const b2 = limiter.acquire('ipv4:10.0.0.2:2000');
    assert.ok(typeof b2 !== 'function' && b2.refused === 'server');
    assert.equal(limiter.open, 3);

    (a1 as () => void)();
    (a1 as () => void)();
    assert.equal(limiter.open, 2, 'a second release of the same slot changes nothing');
    assert.equal(typeof limiter.acquire('ipv4:10.0.0.1:1000'), 'function');
    assert.equal(typeof limiter.acquire('ipv4:10.0.0.2:2000'), 'object', 'the server is full again');
  });
});
