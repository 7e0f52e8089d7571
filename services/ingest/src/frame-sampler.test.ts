import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampledFrameIndices, selectFilter } from './frame-sampler.js';

describe('frame sampler', () => {
  it('keeps the first frame of each 1/fps slot: exact average rate, no duplicates', () => {
    assert.equal(sampledFrameIndices(377, 12.5, 5).length, 151);
    assert.deepEqual(sampledFrameIndices(10, 12.5, 5), [0, 3, 5, 8]);
    assert.equal(sampledFrameIndices(250, 25, 10).length, 100);
    assert.equal(
      sampledFrameIndices(30, 10, 30).length,
      30,
      'a target above the source rate keeps every frame and adds none',
    );
  });

  it('builds an ffmpeg select expression only when a rate is set', () => {
    assert.equal(selectFilter(0), undefined);
    assert.equal(selectFilter(5), "select='isnan(prev_selected_t)+gt(floor(t*5),floor(prev_selected_t*5))'");
    assert.match(selectFilter(2.5) ?? '', /t\*2\.5\)/);
  });
});
