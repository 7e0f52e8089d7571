import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@va/common';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { eventTypeNames, filterClauses, pageSize, validateFilter } from './query-filters.js';
import { imageFormat } from './embedder.js';
import { parseTrackRef } from './similar-search.js';

describe('query validation and filters', () => {
  it('turns a filter into term and range clauses', () => {
    const filter = { cameraIds: ['a', 'b'], classNames: ['person'], timeRange: { fromMs: 10, toMs: 20 } };
    assert.deepEqual(filterClauses(filter, { at: '@timestamp' }), [
      { terms: { camera_id: ['a', 'b'] } },
      { terms: { class_name: ['person'] } },
      { range: { '@timestamp': { gte: 10, lte: 20 } } },
    ]);
    // Tracks overlap the range: started before its end, last seen after its start.
    assert.deepEqual(
      filterClauses(
        { cameraIds: [], classNames: [], timeRange: { fromMs: 10, toMs: 0 } },
        { from: 'first_seen_ts', to: 'last_seen_ts' },
      ),
      [{ range: { last_seen_ts: { gte: 10 } } }],
    );
    assert.deepEqual(filterClauses(undefined, { at: 'x' }), []);
  });

  it('rejects malformed filters', async () => {
    const bad = [
      { cameraIds: ['has space'], classNames: [], timeRange: undefined },
      { cameraIds: [], classNames: [''], timeRange: undefined },
      { cameraIds: [], classNames: [], timeRange: { fromMs: 5, toMs: 4 } },
      { cameraIds: [], classNames: [], timeRange: { fromMs: -1, toMs: 0 } },
      { cameraIds: Array.from({ length: 101 }, (_, i) => `c${i}`), classNames: [], timeRange: undefined },
    ];
    for (const f of bad) await assert.rejects(validateFilter(f), InvalidArgumentError, JSON.stringify(f).slice(0, 60));
    await validateFilter({ cameraIds: ['cam-1'], classNames: ['person'], timeRange: { fromMs: 4, toMs: 4 } });
  });

  it('checks event types, page sizes and track references', () => {
    assert.deepEqual(eventTypeNames([TrackEventType.TRACK_EVENT_TYPE_ZONE_ENTER]), ['zone_enter']);
    assert.throws(() => eventTypeNames([TrackEventType.TRACK_EVENT_TYPE_UNSPECIFIED]), InvalidArgumentError);
    assert.throws(() => eventTypeNames([99 as TrackEventType]), InvalidArgumentError);
    assert.equal(pageSize(0, 500), 50);
    assert.equal(pageSize(0, 20), 20);
    assert.throws(() => pageSize(501, 500), InvalidArgumentError);
    assert.equal(parseTrackRef('cam-1/t/7'), 'cam-1/t/7');
    assert.throws(() => parseTrackRef('/t1'), InvalidArgumentError);
    assert.throws(() => parseTrackRef('cam-1/'), InvalidArgumentError);
  });

  it('recognises JPEG, PNG and WebP by their first bytes', () => {
    assert.equal(imageFormat(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0])), 'jpeg');
    assert.equal(imageFormat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])), 'png');
    assert.equal(imageFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 ')), 'webp');
    assert.equal(imageFormat(Buffer.from('GIF89a')), undefined);
    assert.equal(imageFormat(new Uint8Array(0)), undefined);
  });
});
