import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IndexNames, retentionCutoff } from './index-names.js';

describe('index names', () => {
  const names = new IndexNames('va');

  it('puts documents in daily UTC indices and reads the day back', () => {
    const ts = Date.UTC(2025, 0, 9, 23, 59, 59);
    assert.equal(names.daily('track-events', ts), 'va-track-events-2025.01.09');
    assert.equal(names.dayOf('track-events', 'va-track-events-2025.01.09'), Date.UTC(2025, 0, 9));
    assert.equal(names.alias('embeddings'), 'va-embeddings');
    assert.equal(names.pattern('flags'), 'va-flags-*');
  });

  it('ignores names of other kinds and impossible dates', () => {
    assert.equal(names.dayOf('tracks', 'va-track-events-2025.01.09'), undefined);
    assert.equal(names.dayOf('tracks', 'va-tracks-2025.02.30'), undefined);
    assert.equal(names.dayOf('tracks', 'va-tracks-latest'), undefined);
    assert.equal(names.dayOf('tracks', 'other-tracks-2025.01.09'), undefined);
  });

  it('keeps today and the days before it within retention', () => {
    const now = Date.UTC(2025, 5, 10, 12);
    assert.equal(retentionCutoff(now, 1), Date.UTC(2025, 5, 10));
    assert.equal(retentionCutoff(now, 7), Date.UTC(2025, 5, 4));
  });
});
