import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MembershipView } from './membership-view.js';

const timing = { ttlMs: 3_000, settleMs: 1_000, maxSettleMs: 6_000 };

function started(others: string[] = []): MembershipView {
  const view = new MembershipView('b', timing);
  for (const m of others) view.heard(m, 0);
  view.applyNow();
  return view;
}

describe('membership view (who is alive, debounced)', () => {
  it('starts with itself and whoever the bucket lists, at once', () => {
    assert.deepEqual(new MembershipView('b', timing).current, ['b']);
    assert.deepEqual(started(['c', 'a']).current, ['a', 'b', 'c']);
  });

  it('applies a join only after the members have been stable for the settle time', () => {
    const view = started(['a']);
    view.heard('c', 10_000);
    assert.equal(view.due(10_500), undefined);
    assert.deepEqual(view.current, ['a', 'b']);
    assert.deepEqual(view.due(11_000), ['a', 'b', 'c']);
    assert.deepEqual(view.current, ['a', 'b', 'c']);
    assert.equal(view.due(12_000), undefined, 'applied once');
  });

  it('a member that leaves and comes back within the settle time (rolling restart) changes nothing', () => {
    const view = started(['a', 'c']);
    view.left('c', 10_000);
    view.heard('c', 10_600);
    for (const t of [10_900, 11_600, 20_000]) assert.equal(view.due(t), undefined);
    assert.deepEqual(view.current, ['a', 'b', 'c']);
  });

  it('a burst of changes is applied once, after the last one settles', () => {
    const view = started(['a']);
    view.heard('c', 10_000);
    view.heard('d', 10_800);
    view.left('a', 11_500);
    assert.equal(view.due(12_000), undefined);
    assert.deepEqual(view.due(12_500), ['b', 'c', 'd']);
  });

  it('endless churn still gets applied after the longest settle time', () => {
    const view = started();
    let applied: readonly string[] | undefined;
    for (let t = 0; t <= 6_000 && !applied; t += 500) {
      view.heard(`m${t}`, t); // a new member every half settle time: never stable
      applied = view.due(t);
    }
    assert.ok(applied && applied.length > 5, 'applied despite the churn');
  });

  it('expires a member not heard from for a TTL, never itself', () => {
    const view = started(['a', 'c']);
    view.heard('a', 2_000);
    assert.deepEqual(view.expire(2_999), []);
    assert.deepEqual(view.expire(3_000), ['c']);
    assert.deepEqual(view.live(), ['a', 'b']);
    assert.deepEqual(view.expire(100_000), ['a']);
    assert.deepEqual(view.live(), ['b']);
    assert.deepEqual(view.due(101_000), ['b']);
  });

  it('time it could not hear anything does not count against the others', () => {
    const view = started(['a']);
    view.pause(60_000); // disconnected from NATS for a minute
    assert.deepEqual(view.expire(60_000), []);
    assert.deepEqual(view.expire(63_000), ['a']);
  });

  it('ignores its own deletion and unknown leavers', () => {
    const view = started(['a']);
    view.left('b', 5_000);
    view.left('zz', 5_000);
    assert.equal(view.due(100_000), undefined);
    assert.deepEqual(view.current, ['a', 'b']);
  });
});
