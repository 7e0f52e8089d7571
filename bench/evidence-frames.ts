// What serving evidence frames from ingest costs, on a real frame of the clip letterboxed to the
// detector's 416x416 input as the demo publishes it (issue 15). Variants run interleaved, round
// by round, so the shared machine's load hits them alike; figures are medians.
//   - JPEG encode of one frame on request (ingest's frame-jpeg.ts, sharp): cut the padding and scale
//     back to the source size (what ingest serves), or the detector-size picture alone (not chosen)
//   - per published frame: what ingest's ring adds (keep the pooled message, no copy) against a
//     copy of the message; and what sanity-check paid before for every frame (decode + ring)
//
//   node --conditions=source --import tsx bench/evidence-frames.ts [--rounds=N]    last line: JSON
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { codecs } from '@va/common';
import { PixelFormat, type Frame } from '@va/proto/va/common/v1/frame';
import { machineNow } from '../loadtest/load-report.js';
import { frameToJpeg } from '../services/ingest/src/frame-jpeg.js';
import { PublishedFrameRing } from '../services/ingest/src/published-frame-ring.js';
import { decodeFrames } from '@va/harness/sanity-scenes/video-frames';
import { sharedFile } from '@va/harness/shared';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '60' } } });
const ROUNDS = Number(values.rounds);
const CLIP = sharedFile('data/video/parking-lot-cars_768x432.mp4');
const [SRC_W, SRC_H, SIDE, CONTENT_H, PAD_Y] = [768, 432, 416, 234, 91];

let source: Buffer | undefined;
for await (const f of decodeFrames(CLIP, SRC_W, SRC_H, { from: 100, count: 1 })) source = f.rgb;
if (!source) throw new Error('no frame decoded');
const pixels = await sharp(source, { raw: { width: SRC_W, height: SRC_H, channels: 3 } })
  .resize(SIDE, CONTENT_H)
  .extend({ top: PAD_Y, bottom: SIDE - CONTENT_H - PAD_Y, background: { r: 114, g: 114, b: 114 } })
  .raw()
  .toBuffer();
const frame: Frame = {
  cameraId: 'bench',
  sequence: 1,
  captureTsMs: Date.now(),
  sourceWidth: SRC_W,
  sourceHeight: SRC_H,
  width: SIDE,
  height: SIDE,
  pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
  pixels,
  letterbox: { scale: SIDE / SRC_W, padX: 0, padY: PAD_Y },
  stats: undefined,
  publishTsMs: Date.now(),
  streamEpoch: 'e',
  skipDetection: false,
};
const message = codecs.frame.encode(frame);
const detectorOnly: Frame = {
  ...frame,
  sourceWidth: SIDE,
  sourceHeight: CONTENT_H,
  height: CONTENT_H,
  letterbox: undefined,
  pixels: pixels.subarray(PAD_Y * SIDE * 3, (PAD_Y + CONTENT_H) * SIDE * 3),
};

const times: Record<string, number[]> = {
  encode_source_size_ms: [],
  encode_detector_size_ms: [],
  ring_keep_us: [],
  copy_message_us: [],
  sanity_decode_us: [],
};
const bytes: Record<string, number> = {};
const ring = new PublishedFrameRing({ cameraBytes: 16 * 1024 * 1024, totalBytes: 256 * 1024 * 1024 });
const loadBefore = machineNow().load;
let sequence = 0;
for (let round = 0; round < ROUNDS; round++) {
  let t = performance.now();
  const served = await frameToJpeg(frame, 90, 4096 * 4096);
  times.encode_source_size_ms!.push(performance.now() - t);
  t = performance.now();
  const small = await frameToJpeg(detectorOnly, 90, 4096 * 4096);
  times.encode_detector_size_ms!.push(performance.now() - t);
  bytes.jpeg_source_size = served.data.byteLength;
  bytes.jpeg_detector_size = small.data.byteLength;
  // Per frame, 100 at a time so the timer's resolution does not matter.
  t = performance.now();
  for (let i = 0; i < 100; i++) ring.keep('bench', 'e', sequence++, message, () => {});
  times.ring_keep_us!.push(((performance.now() - t) * 1000) / 100);
  t = performance.now();
  for (let i = 0; i < 100; i++) Buffer.from(message);
  times.copy_message_us!.push(((performance.now() - t) * 1000) / 100);
  t = performance.now();
  for (let i = 0; i < 100; i++) codecs.frame.decode(message);
  times.sanity_decode_us!.push(((performance.now() - t) * 1000) / 100);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const summary = {
  rounds: ROUNDS,
  frame: { width: SIDE, height: SIDE, message_bytes: message.byteLength, source: `${SRC_W}x${SRC_H}` },
  ...Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Number(median(v).toFixed(3))])),
  jpeg_bytes: bytes,
  machine: { ...machineNow(), load_before: loadBefore },
};
console.log(JSON.stringify(summary));
