import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReviewStatus, Severity } from '@va/proto/va/common/v1/flag';
import type { CandidateFlag } from '../rules/rule.js';
import { T0 } from '../test-support/messages.js';
import { FlagFolder, RATE_LIMITED_SUBJECT } from './flag-folder.js';
import { flagId } from './flag-id.js';

const options = { quietMs: 10_000, maxNewPerMinute: 2, burst: 2, maxOpen: 100 };

function candidate(sequence: number, subject = 'dark', o: Partial<CandidateFlag> = {}): CandidateFlag {
  return {
    rule: 'dark-or-blank-frame',
    subject,
    cameraId: 'cam-1',
    streamEpoch: 'e1',
    sequence,
    tsMs: T0 + sequence * 100,
    trackId: '',
    message: 'dark',
    evidence: { mean_luma: 3 },
    boxes: [],
    scores: [],
    classNames: [],
    frameWidth: 640,
    frameHeight: 480,
    severity: Severity.SEVERITY_ACT_NOW,
    ...o,
  };
}

describe('flag folder', () => {
  it('folds an outage into one flag with first/last time and a count', () => {
    const folder = new FlagFolder(options);
    const first = folder.observe(candidate(0)).outcome;
    assert.equal(first.kind, 'new');
    const flag = first.flag;
    assert.equal(flag.count, 1);
    assert.equal(flag.reviewStatus, ReviewStatus.REVIEW_STATUS_PENDING);
    assert.equal(
      flag.flagId,
      flagId({ cameraId: 'cam-1', streamEpoch: 'e1', rule: 'dark-or-blank-frame', subject: 'dark', sequence: 0 }),
    );
    folder.published(flag);
    for (let s = 1; s <= 3000; s++) assert.equal(folder.observe(candidate(s)).outcome.kind, 'folded');
    const [update] = folder.updates();
    assert.equal(update?.flagId, flag.flagId);
    assert.equal(update?.count, 3001);
    assert.equal(update?.firstTsMs, T0);
    assert.equal(update?.lastTsMs, T0 + 300_000);
    assert.equal(folder.updates().length, 0, 'nothing new to publish');
  });

  it('opens a new flag (new id) once the subject has been quiet, handing out the final count of the old one', () => {
    const folder = new FlagFolder(options);
    const a = folder.observe(candidate(0)).outcome.flag;
    folder.published(a);
    folder.observe(candidate(5));
    const later = folder.observe(candidate(5 + 101));
    assert.equal(later.outcome.kind, 'new');
    assert.notEqual(later.outcome.flag.flagId, a.flagId);
    assert.deepEqual(
      later.closed.map((f) => [f.flagId, f.count]),
      [[a.flagId, 2]],
    );
  });

  it('rate-limits new flags per camera and rule into one overflow flag with a count', () => {
    const folder = new FlagFolder(options);
    const kinds = [];
    for (let i = 0; i < 50; i++)
      kinds.push(
        folder.observe(candidate(i, `track-${i}`, { rule: 'track-without-detection', trackId: String(i) })).outcome,
      );
    assert.equal(kinds.filter((k) => k.kind === 'new').length, 2, 'the burst');
    const suppressed = kinds.filter((k) => k.kind === 'suppressed');
    assert.equal(suppressed.length, 48);
    assert.equal(suppressed.filter((k) => k.kind === 'suppressed' && k.created).length, 1);
    const overflow = suppressed[suppressed.length - 1]!.flag;
    assert.equal(overflow.subject, RATE_LIMITED_SUBJECT);
    assert.equal(overflow.count, 48);
    // Other cameras and rules have their own budget.
    assert.equal(
      folder.observe(candidate(1, 'x', { cameraId: 'cam-2', rule: 'track-without-detection' })).outcome.kind,
      'new',
    );
    assert.equal(folder.observe(candidate(1, 'y', { rule: 'class-flip' })).outcome.kind, 'new');
    // A minute later (message time) the bucket has refilled.
    assert.equal(folder.observe(candidate(700, 'late', { rule: 'track-without-detection' })).outcome.kind, 'new');
  });

  it('gives the same id for the same input, so a replay de-duplicates', () => {
    const a = new FlagFolder(options).observe(candidate(42, 's')).outcome.flag.flagId;
    const b = new FlagFolder(options).observe(candidate(42, 's')).outcome.flag.flagId;
    const c = new FlagFolder(options).observe(candidate(42, 's', { streamEpoch: 'e2' })).outcome.flag.flagId;
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('closes everything on shutdown, returning unpublished counts', () => {
    const folder = new FlagFolder(options);
    const f = folder.observe(candidate(0)).outcome.flag;
    folder.published(f);
    folder.observe(candidate(1));
    assert.deepEqual(
      folder.closeAll().map((x) => x.count),
      [2],
    );
    assert.equal(folder.size, 0);
  });
});
