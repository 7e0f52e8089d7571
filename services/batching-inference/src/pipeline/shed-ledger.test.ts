import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Frame } from '@va/proto/va/common/v1/frame';
import { MAX_ANNOUNCED, ShedLedger } from './shed-ledger.js';

const frame = (sequence: number, previousSequence?: number, epoch = 'e1', cameraId = 'cam'): Frame => ({
  ...Frame.fromPartial({ cameraId, sequence, streamEpoch: epoch }),
  ...(previousSequence !== undefined ? { previousSequence } : {}),
});

describe('shed ledger: which sequences will never reach the tracker', () => {
  it("announces what ingest shed before a frame and what this worker shed, once, with the camera's next batch", () => {
    const ledger = new ShedLedger();
    ledger.received(frame(10, 7));
    ledger.shed(frame(10, 7));
    ledger.received(frame(12, 10));
    assert.deepEqual(ledger.take('cam', 'e1'), [8, 9, 10, 11]);
    assert.deepEqual(ledger.take('cam', 'e1'), [], 'taken once');
    ledger.received(frame(13, 12));
    ledger.received(frame(14));
    assert.deepEqual(
      ledger.take('cam', 'e1'),
      [],
      'nothing shed between consecutive frames, nothing known without previous_sequence',
    );
  });

  it('keeps cameras and epochs apart, forgets an old epoch, and stays bounded', () => {
    const ledger = new ShedLedger();
    ledger.shed(frame(5, undefined, 'e1', 'a'));
    ledger.shed(frame(6, undefined, 'e1', 'b'));
    assert.deepEqual(ledger.take('a', 'e2'), []);
    ledger.shed(frame(1, undefined, 'e2', 'a'));
    assert.deepEqual(ledger.take('a', 'e2'), [1], "the new epoch replaced the old one's");
    assert.deepEqual(ledger.take('b', 'e1'), [6]);
    ledger.received(frame(10_000, 0));
    const announced = ledger.take('cam', 'e1');
    assert.equal(announced.length, MAX_ANNOUNCED);
    assert.equal(announced.at(-1), 9_999, 'the newest are kept');
  });

  it('gives back what a failed publish would have announced', () => {
    const ledger = new ShedLedger();
    ledger.shed(frame(3));
    const announced = ledger.take('cam', 'e1');
    ledger.giveBack('cam', 'e1', announced);
    ledger.shed(frame(4));
    assert.deepEqual(ledger.take('cam', 'e1'), [3, 4]);
  });
});
