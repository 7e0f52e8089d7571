import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Flag, ReviewStatus, Severity, type ReviewDecision } from '@va/proto/va/common/v1/flag';
import { FlagStore } from './flag-store.js';

const flag = (id: string, o: Partial<Flag> = {}) =>
  Flag.fromPartial({
    flagId: id,
    rule: 'drift',
    severity: Severity.SEVERITY_ACT_TODAY,
    cameraId: 'cam-1',
    tsMs: 1000,
    firstTsMs: 1000,
    lastTsMs: 1000,
    count: 1,
    ...o,
  });
const review = (flagId: string, decision: ReviewStatus, reviewId: string): ReviewDecision => ({
  flagId,
  cameraId: 'cam-1',
  decision,
  note: '',
  reviewer: 'operator:x',
  tsMs: 5,
  reviewId,
  revision: 0,
});

describe('flag store', () => {
  it('keeps the newest version of a flag and the latest review decision', () => {
    const store = new FlagStore(100);
    store.applyFlag(flag('a', { count: 5 }));
    store.applyFlag(flag('a', { count: 3 }));
    assert.equal(store.get('a')?.count, 5, 'an older version does not win');
    store.applyReview(review('a', ReviewStatus.REVIEW_STATUS_CONFIRMED, 'r1'));
    store.applyFlag(flag('a', { count: 9, reviewStatus: ReviewStatus.REVIEW_STATUS_PENDING }));
    assert.equal(store.get('a')?.count, 9);
    assert.equal(store.get('a')?.reviewStatus, ReviewStatus.REVIEW_STATUS_CONFIRMED, 'a count update keeps the review');
    store.applyReview(review('a', ReviewStatus.REVIEW_STATUS_REJECTED, 'r2'));
    store.applyReview(review('a', ReviewStatus.REVIEW_STATUS_REJECTED, 'r2'));
    assert.equal(store.get('a')?.reviewStatus, ReviewStatus.REVIEW_STATUS_REJECTED);
    assert.equal(store.reviewsOf('a').length, 2, 'the same decision applied twice counts once');
  });

  it('holds decisions that arrive before their flag', () => {
    const store = new FlagStore(100);
    store.applyReview(review('late', ReviewStatus.REVIEW_STATUS_CONFIRMED, 'r'));
    store.applyFlag(flag('late'));
    assert.equal(store.get('late')?.reviewStatus, ReviewStatus.REVIEW_STATUS_CONFIRMED);
  });

  it('filters and pages newest first with stable tokens', () => {
    const store = new FlagStore(1000);
    for (let i = 0; i < 25; i++) {
      store.applyFlag(
        flag(`f${String(i).padStart(2, '0')}`, {
          tsMs: 1000 + i,
          firstTsMs: 1000 + i,
          lastTsMs: 1000 + i,
          cameraId: i % 2 ? 'cam-2' : 'cam-1',
          severity: (1 + (i % 3)) as Severity,
          trackId: i === 7 ? 't7' : '',
        }),
      );
    }
    const pages = [];
    let token = '';
    do {
      const page = store.list({ cameraIds: ['cam-1'] }, 5, token);
      assert.equal(page.total, 13);
      pages.push(...page.flags.map((f) => f.flagId));
      token = page.nextPageToken;
    } while (token);
    assert.equal(pages.length, 13);
    assert.equal(pages[0], 'f24');
    assert.equal(new Set(pages).size, 13, 'no flag twice');
    assert.equal(store.list({ maxSeverity: 1 }, 100, '').total, 9);
    assert.equal(store.list({ fromMs: 1020, toMs: 1022 }, 100, '').total, 3);
    assert.deepEqual(
      store.list({ trackId: 't7' }, 100, '').flags.map((f) => f.flagId),
      ['f07'],
    );
    assert.throws(() => store.list({}, 5, 'not-a-token'), /page_token/);
  });

  it('keeps at most maxFlags, dropping the oldest', () => {
    const store = new FlagStore(3);
    for (const id of ['a', 'b', 'c', 'd']) store.applyFlag(flag(id));
    assert.equal(store.size, 3);
    assert.equal(store.get('a'), undefined);
  });
});
