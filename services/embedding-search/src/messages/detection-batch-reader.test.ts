import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { MalformedMessageError } from '@va/common';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { detectionBatchF32Codec } from './detection-batch-reader.js';

const full = DetectionBatch.fromPartial({
  cameraId: 'cam-1',
  sequence: 2 ** 40,
  captureTsMs: 1_900_000_000_123,
  frameWidth: 768,
  frameHeight: 576,
  detections: [
    {
      box: { x1: 1.5, y1: 2, x2: 30, y2: 40 },
      score: 0.75,
      classId: 0,
      className: 'person',
      embedding: [0.5, -0.25, 0.125, 1e-3],
    },
    { box: { x1: 5, y1: 6, x2: 7, y2: 8 }, score: 0.5, classId: 2, className: 'car' },
  ],
  detector: { name: 'yolox_nano', version: '1' },
  embedder: { name: 'osnet', version: '2' },
  detectedTsMs: 1_900_000_000_200,
  inferenceMs: 12.5,
  frameStats: { meanLuma: 80, lumaStddev: 20, thumbHash: 123 },
  streamEpoch: 'run-7',
  skipped: false,
  shedSequences: [2 ** 40 - 3, 2 ** 40 - 1],
});

/** The generated decoder's result with each embedding as the Float32Array the reader gives. */
function expected(bytes: Uint8Array) {
  const b = DetectionBatch.decode(bytes);
  return { ...b, detections: b.detections.map((d) => ({ ...d, embedding: Float32Array.from(d.embedding) })) };
}

describe('DetectionBatch reader: embeddings straight into Float32Array', () => {
  it('decodes every field as the generated decoder does, embeddings as float32', () => {
    const bytes = DetectionBatch.encode(full).finish();
    const b = detectionBatchF32Codec.decode(bytes);
    assert.deepEqual(b, expected(bytes));
    assert.ok(b.detections[0]?.embedding instanceof Float32Array);
    assert.equal(b.detections[1]?.embedding.length, 0);
    assert.deepEqual(
      detectionBatchF32Codec.decode(detectionBatchF32Codec.encode(b)),
      b,
      'its encoder writes what it reads',
    );
  });

  it('owns its embeddings: the message buffer can be reused', () => {
    const bytes = DetectionBatch.encode(full).finish();
    const b = detectionBatchF32Codec.decode(bytes);
    bytes.fill(0);
    assert.deepEqual(Array.from(b.detections[0]?.embedding ?? []), [0.5, -0.25, 0.125, Math.fround(1e-3)]);
  });

  it('reads unpacked floats and skips fields it does not know, as protobuf requires', () => {
    const w = new BinaryWriter();
    w.uint32(10).string('cam-2');
    const det = new BinaryWriter();
    det.uint32(34).string('person');
    for (const v of [1, 2, 3]) det.uint32(45).float(v); // field 5, wire type 5: one float per tag
    det.uint32((99 << 3) | 2).string('from a newer producer');
    w.uint32(50).bytes(det.finish());
    w.uint32(200 << 3).uint64(7);
    const bytes = w.finish();
    const b = detectionBatchF32Codec.decode(bytes);
    assert.deepEqual(b, expected(bytes));
    assert.deepEqual(Array.from(b.detections[0]?.embedding ?? []), [1, 2, 3]);
  });

  it('rejects malformed bytes with a clear error', () => {
    const det = new BinaryWriter().uint32(42).bytes(new Uint8Array(6)).finish(); // 6 bytes of packed floats
    const ragged = new BinaryWriter().uint32(10).string('cam-1').uint32(50).bytes(det).finish();
    assert.throws(
      () => detectionBatchF32Codec.decode(ragged, 'va.detections.cam-1'),
      (err: unknown) =>
        err instanceof MalformedMessageError &&
        /multiple of 4/.test(err.message) &&
        /va\.detections\.cam-1/.test(err.message),
    );
    const bytes = DetectionBatch.encode(full).finish();
    assert.throws(
      () => detectionBatchF32Codec.decode(bytes.subarray(0, bytes.length - 700)),
      MalformedMessageError,
      'truncated',
    );
    assert.throws(
      () => detectionBatchF32Codec.decode(DetectionBatch.encode({ ...full, cameraId: 'a b' }).finish()),
      /not a camera id/,
    );
  });
});
