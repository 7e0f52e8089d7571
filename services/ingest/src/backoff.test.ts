import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from './backoff.js';
import { RateMeter } from './rate-meter.js';

describe('backoff', () => {
  it('doubles from the initial delay up to the maximum, and resets', () => {
    const b = new Backoff({ initialMs: 500, maxMs: 4000, jitter: 0 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [500, 1000, 2000, 4000, 4000]);
    b.reset();
    assert.equal(b.next(), 500);
  });

  it('spreads delays by the jitter factor both ways', () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 8000, jitter: 0.2 }, () => 0);
    const high = new Backoff({ initialMs: 1000, maxMs: 8000, jitter: 0.2 }, () => 0.999999);
    assert.equal(low.next(), 800);
    assert.equal(Math.round(high.next()), 1200);
    const random = new Backoff({ initialMs: 1000, maxMs: 8000, jitter: 0.5 });
    const delays = Array.from({ length: 50 }, () => (random.reset(), random.next()));
    assert.ok(new Set(delays).size > 10, 'jitter varies the delay');
    assert.ok(delays.every((d) => d >= 500 && d <= 1500));
  });
});

describe('rate meter', () => {
  it('averages events over whole past seconds', () => {
    let now = 10_000;
    const m = new RateMeter(5, () => now);
    for (let s = 0; s < 6; s++) {
      for (let i = 0; i < 10; i++) m.mark();
      now += 1000;
    }
    assert.equal(m.rate(), 10);
    now += 10_000;
    assert.equal(m.rate(), 0, 'silence brings it to zero');
  });
});
