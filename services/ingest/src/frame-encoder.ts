import { FrameStats, type Frame } from '@va/proto/va/common/v1/frame';
import { FRAME_HEAD_RESERVE, FRAME_TAIL_RESERVE } from './frame-pool.js';

/** A Frame without its pixels: what the encoder writes around them. */
export type FrameHeader = Omit<Frame, 'pixels'>;

/**
 * Protobuf encoding of va.common.v1.Frame that writes the fields around pixels that are already
 * in place, byte for byte what the generated Frame.encode produces (tested), without the copies
 * of the generated writer (it copies the pixels into its chunk list, then again into the result).
 * Field order is the generated encoder's: 1-8, pixels (9), then 10-15.
 */
class Writer {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    start: number,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  varint(value: number): void {
    if (!(value >= 0) || value > Number.MAX_SAFE_INTEGER)
      throw new RangeError(`cannot encode ${value} as an unsigned varint`);
    let n = value;
    while (n > 127) {
      this.buf[this.pos++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  float(value: number): void {
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
  }

  fixed64(value: number): void {
    this.view.setUint32(this.pos, value >>> 0, true);
    this.view.setUint32(this.pos + 4, Math.floor(value / 0x1_0000_0000) >>> 0, true);
    this.pos += 8;
  }

  bytes(value: Uint8Array): void {
    this.varint(value.byteLength);
    this.buf.set(value, this.pos);
    this.pos += value.byteLength;
  }

  ascii(value: string): void {
    const { written } = ENCODER.encodeInto(value, this.buf.subarray(this.pos + 1));
    if (written > 127) throw new RangeError('string field longer than 127 bytes');
    this.buf[this.pos] = written;
    this.pos += 1 + written;
  }
}

const ENCODER = new TextEncoder();
const scratch = new Uint8Array(FRAME_HEAD_RESERVE);

function writeHead(w: Writer, h: FrameHeader, pixelLength: number): void {
  if (h.cameraId !== '') {
    w.varint(10);
    w.ascii(h.cameraId);
  }
  if (h.sequence !== 0) {
    w.varint(16);
    w.varint(h.sequence);
  }
  if (h.captureTsMs !== 0) {
    w.varint(24);
    w.varint(h.captureTsMs);
  }
  if (h.sourceWidth !== 0) {
    w.varint(32);
    w.varint(h.sourceWidth);
  }
  if (h.sourceHeight !== 0) {
    w.varint(40);
    w.varint(h.sourceHeight);
  }
  if (h.width !== 0) {
    w.varint(48);
    w.varint(h.width);
  }
  if (h.height !== 0) {
    w.varint(56);
    w.varint(h.height);
  }
  if (h.pixelFormat !== 0) {
    w.varint(64);
    w.varint(h.pixelFormat);
  }
  if (pixelLength !== 0) {
    w.varint(74);
    w.varint(pixelLength);
  }
}

function writeTail(w: Writer, h: FrameHeader): void {
  const lb = h.letterbox;
  if (lb !== undefined) {
    w.varint(82);
    w.varint((lb.scale !== 0 ? 5 : 0) + (lb.padX !== 0 ? 5 : 0) + (lb.padY !== 0 ? 5 : 0));
    if (lb.scale !== 0) {
      w.varint(13);
      w.float(lb.scale);
    }
    if (lb.padX !== 0) {
      w.varint(21);
      w.float(lb.padX);
    }
    if (lb.padY !== 0) {
      w.varint(29);
      w.float(lb.padY);
    }
  }
  if (h.stats !== undefined) {
    // The generated encoder's bytes for the statistics (their arrays and thumbnail are small).
    const st = FrameStats.encode(h.stats).finish();
    w.varint(90);
    w.bytes(st);
  }
  if (h.publishTsMs !== 0) {
    w.varint(96);
    w.varint(h.publishTsMs);
  }
  if (h.streamEpoch !== '') {
    w.varint(106);
    w.ascii(h.streamEpoch);
  }
  if (h.skipDetection) {
    w.varint(112);
    w.varint(1);
  }
  if (h.previousSequence !== undefined) {
    w.varint(120);
    w.varint(h.previousSequence);
  }
}

/**
 * Encodes a Frame whose pixels already sit at buffer[pixelOffset, pixelOffset + pixelLength):
 * the header goes just before them and the tail just after. Returns the message as a view of
 * `buffer` (no copy). Needs FRAME_HEAD_RESERVE bytes before and FRAME_TAIL_RESERVE after.
 */
export function encodeFrameAround(
  buffer: Uint8Array,
  pixelOffset: number,
  pixelLength: number,
  header: FrameHeader,
): Uint8Array {
  const head = new Writer(scratch, 0);
  writeHead(head, header, pixelLength);
  const start = pixelOffset - head.pos;
  if (start < 0) throw new RangeError('frame header does not fit in the reserved space');
  buffer.set(scratch.subarray(0, head.pos), start);
  const tail = new Writer(buffer, pixelOffset + pixelLength);
  if (buffer.byteLength - tail.pos < FRAME_TAIL_RESERVE) throw new RangeError('no room for the frame tail');
  writeTail(tail, header);
  return buffer.subarray(start, tail.pos);
}

/** Encodes a Frame with its pixels copied into a new buffer (JPEG frames, tests). */
export function encodeFrame(header: FrameHeader, pixels: Uint8Array): Uint8Array {
  const buffer = new Uint8Array(FRAME_HEAD_RESERVE + pixels.byteLength + FRAME_TAIL_RESERVE);
  buffer.set(pixels, FRAME_HEAD_RESERVE);
  return encodeFrameAround(buffer, FRAME_HEAD_RESERVE, pixels.byteLength, header);
}
