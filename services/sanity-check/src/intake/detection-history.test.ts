import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batch, det } from '../test-support/messages.js';
import { DetectionHistory } from './detection-history.js';

describe('detection history', () => {
  it("joins a track update with its frame's detections, dropping embeddings", () => {
    const history = new DetectionHistory(3, 10);
    const b = batch(5, [{ ...det([0, 0, 10, 10]), embedding: [0.1, 0.2] }]);
    history.add(b);
    const got = history.get('cam-1', 'e1', 5);
    assert.equal(got?.detections.length, 1);
    assert.deepEqual(got?.detections[0]?.embedding, []);
    for (let s = 6; s < 10; s++) history.add(batch(s, []));
    assert.equal(history.get('cam-1', 'e1', 5), undefined, 'only the newest frames are kept');
    assert.equal(history.get('cam-1', 'e2', 9), undefined, 'another stream epoch is another stream');
  });

  it('lets a track update wait for detections that are still on their way', async () => {
    const history = new DetectionHistory(10, 10);
    history.add(batch(1, []));
    const pending = history.waitFor('cam-1', 'e1', 3, 5_000);
    assert.ok(pending instanceof Promise);
    const skipped = history.waitFor('cam-1', 'e1', 2, 5_000);
    history.add(batch(3, [det([1, 1, 5, 5])]));
    assert.equal((await pending)?.sequence, 3);
    assert.equal(await skipped, undefined, 'frame 2 never came: no waiting past frame 3');
    assert.equal(history.waitFor('cam-1', 'e1', 2, 5_000), undefined, 'a frame already passed is not waited for');
    assert.equal(await history.waitFor('cam-9', 'e1', 1, 20), undefined, 'gives up after the timeout');
  });
});
