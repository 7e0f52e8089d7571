import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../errors.js';
import {
  encodeEvidenceFrameRequest,
  evidenceFrameAnswerHeaders,
  parseEvidenceFrameRequest,
  readEvidenceFrameAnswer,
} from './evidence-frame.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('evidence-frame request/reply', () => {
  it('round-trips a request', () => {
    const request = { streamEpoch: 'mf3k2-a1b2c3', sequence: 1234, quality: 90 };
    assert.deepEqual(parseEvidenceFrameRequest(encodeEvidenceFrameRequest(request)), request);
  });

  it('refuses bad requests with a message that says what is wrong', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [text('not json'), /not JSON/],
      [text('[1]'), /JSON object/],
      [text('{"streamEpoch":"e","sequence":-1,"quality":90}'), /sequence/],
      [text('{"streamEpoch":"e","sequence":1.5,"quality":90}'), /sequence/],
      [text('{"streamEpoch":"a b","sequence":1,"quality":90}'), /streamEpoch/],
      [text('{"streamEpoch":"e","sequence":1,"quality":0}'), /quality/],
      [new Uint8Array(10_000), /at most 512/],
      [new Uint8Array([0xff, 0xfe]), /not JSON/],
    ];
    for (const [data, message] of cases)
      assert.throws(
        () => parseEvidenceFrameRequest(data),
        (err: unknown) => err instanceof InvalidArgumentError && message.test(err.message),
      );
  });

  it('reads answers, and takes one that breaks the protocol for a failure', () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff]);
    assert.deepEqual(
      readEvidenceFrameAnswer({
        headers: evidenceFrameAnswerHeaders({ status: 'ok', width: 768, height: 432 }),
        data: jpeg,
      }),
      { status: 'ok', jpeg, width: 768, height: 432 },
    );
    assert.deepEqual(
      readEvidenceFrameAnswer({
        headers: evidenceFrameAnswerHeaders({ status: 'aged_out', error: 'gone\nfor good' }),
        data: new Uint8Array(0),
      }),
      { status: 'aged_out', error: 'gone?for good' },
    );
    assert.equal(readEvidenceFrameAnswer({ data: jpeg }).status, 'failed');
    assert.equal(
      readEvidenceFrameAnswer({
        headers: evidenceFrameAnswerHeaders({ status: 'ok', width: 768, height: 432 }),
        data: new Uint8Array(0),
      }).status,
      'failed',
    );
  });
});
