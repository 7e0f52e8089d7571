import { BinaryReader, type BinaryWriter } from '@bufbuild/protobuf/wire';
import { isCameraId, protoCodec } from '@va/common';
import { DetectionBatch, ModelRef, type Detection } from '@va/proto/va/common/v1/detection';
import { FrameStats } from '@va/proto/va/common/v1/frame';
import { BBox } from '@va/proto/va/common/v1/geometry';

/** A Detection whose embedding is decoded straight into float32 (ts-proto makes a number[] of it). */
export type DetectionF32 = Omit<Detection, 'embedding'> & { embedding: Float32Array };
export type DetectionBatchF32 = Omit<DetectionBatch, 'detections'> & { detections: DetectionF32[] };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const EMPTY = new Float32Array(0);

/**
 * DetectionBatch as the indexer reads it on every frame: the same wire format and fields as the
 * generated decoder, but each embedding (a packed `repeated float`) is copied into a Float32Array
 * in one go instead of being pushed into a number[] float by float and copied again. The copy
 * owns its memory, so the embedding join can keep it without holding the message buffer.
 */
export const detectionBatchF32Codec = protoCodec<DetectionBatchF32>(
  'va.common.v1.DetectionBatch',
  { encode: encodeDetectionBatchF32, decode: decodeDetectionBatchF32 },
  (b) => (isCameraId(b.cameraId) ? undefined : `camera_id "${b.cameraId.slice(0, 80)}" is not a camera id`),
);

export function decodeDetectionBatchF32(input: BinaryReader | Uint8Array, length?: number): DetectionBatchF32 {
  const reader = input instanceof BinaryReader ? input : new BinaryReader(input);
  const end = length === undefined ? reader.len : reader.pos + length;
  const b: DetectionBatchF32 = {
    cameraId: '',
    sequence: 0,
    captureTsMs: 0,
    frameWidth: 0,
    frameHeight: 0,
    detections: [],
    detector: undefined,
    embedder: undefined,
    detectedTsMs: 0,
    inferenceMs: 0,
    frameStats: undefined,
    streamEpoch: '',
    skipped: false,
    shedSequences: [],
  };
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case 10:
        b.cameraId = reader.string();
        continue;
      case 16:
        b.sequence = safeNumber(reader.uint64());
        continue;
      case 24:
        b.captureTsMs = safeNumber(reader.int64());
        continue;
      case 32:
        b.frameWidth = reader.uint32();
        continue;
      case 40:
        b.frameHeight = reader.uint32();
        continue;
      case 50:
        b.detections.push(decodeDetection(reader, reader.uint32()));
        continue;
      case 58:
        b.detector = ModelRef.decode(reader, reader.uint32());
        continue;
      case 66:
        b.embedder = ModelRef.decode(reader, reader.uint32());
        continue;
      case 72:
        b.detectedTsMs = safeNumber(reader.int64());
        continue;
      case 85:
        b.inferenceMs = reader.float();
        continue;
      case 90:
        b.frameStats = FrameStats.decode(reader, reader.uint32());
        continue;
      case 98:
        b.streamEpoch = reader.string();
        continue;
      case 104:
        b.skipped = reader.bool();
        continue;
      case 112:
        b.shedSequences.push(safeNumber(reader.uint64()));
        continue;
      case 114: {
        const listEnd = reader.uint32() + reader.pos;
        while (reader.pos < listEnd) b.shedSequences.push(safeNumber(reader.uint64()));
        continue;
      }
    }
    if ((tag & 7) === 4 || tag === 0) break;
    reader.skip(tag & 7);
  }
  return b;
}

function decodeDetection(reader: BinaryReader, length: number): DetectionF32 {
  const end = reader.pos + length;
  const d: DetectionF32 = { box: undefined, score: 0, classId: 0, className: '', embedding: EMPTY };
  let unpacked: number[] | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case 10:
        d.box = BBox.decode(reader, reader.uint32());
        continue;
      case 21:
        d.score = reader.float();
        continue;
      case 24:
        d.classId = reader.uint32();
        continue;
      case 34:
        d.className = reader.string();
        continue;
      case 42:
        d.embedding = concat(d.embedding, floats(reader.bytes()));
        continue;
      case 45:
        // Unpacked floats are valid protobuf too (no producer here writes them).
        (unpacked ??= []).push(reader.float());
        continue;
    }
    if ((tag & 7) === 4 || tag === 0) break;
    reader.skip(tag & 7);
  }
  if (unpacked) d.embedding = concat(d.embedding, Float32Array.from(unpacked));
  return d;
}

/** Little-endian float32 bytes into a Float32Array of their own (a memcpy on little-endian hosts). */
function floats(packed: Uint8Array): Float32Array {
  if (packed.length % 4 !== 0) throw new Error(`packed float field of ${packed.length} bytes is not a multiple of 4`);
  const out = new Float32Array(packed.length / 4);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(packed);
  } else {
    const view = new DataView(packed.buffer, packed.byteOffset, packed.length);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length === 0) return b;
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function safeNumber(int64: bigint | string): number {
  const n = Number(int64.toString());
  if (!Number.isSafeInteger(n)) throw new Error(`integer ${int64.toString()} is beyond Number.MAX_SAFE_INTEGER`);
  return n;
}

/** The generated encoder, for tests and tools that build batches in this shape. */
function encodeDetectionBatchF32(b: DetectionBatchF32, writer?: BinaryWriter): BinaryWriter {
  return DetectionBatch.encode(
    { ...b, detections: b.detections.map((d) => ({ ...d, embedding: Array.from(d.embedding) })) },
    writer,
  );
}
