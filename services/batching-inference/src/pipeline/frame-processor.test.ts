import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createLogger } from '@va/common';
import { FrameStats, PixelFormat, type Frame } from '@va/proto/va/common/v1/frame';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { InferenceMetrics } from '../metrics.js';
import { DecodeBudget } from '../preprocess/decode-budget.js';
import { ImageIntake } from '../preprocess/image-intake.js';
import type { ModelManager } from '../serving/model-manager.js';
import type { DetectionPublisher } from './detection-publisher.js';
import { FrameProcessor, remainingBudgetMs } from './frame-processor.js';

describe('remainingBudgetMs', () => {
  it('is what is left of the age limit since capture', () => {
    assert.equal(remainingBudgetMs(10_000, 2_000, 10_500), 1_500);
    assert.equal(remainingBudgetMs(10_000, 2_000, 12_500), -500);
  });
  it('is undefined without an age limit or a capture time', () => {
    assert.equal(remainingBudgetMs(10_000, 0, 99_000), undefined);
    assert.equal(remainingBudgetMs(0, 2_000, 99_000), undefined);
  });
});

function rawFrame(captureTsMs: number): Frame {
  return {
    cameraId: 'cam',
    sequence: 7,
    captureTsMs,
    width: 2,
    height: 2,
    sourceWidth: 2,
    sourceHeight: 2,
    pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
    pixels: new Uint8Array(12),
    streamEpoch: '1',
    stats: undefined,
    publishTsMs: captureTsMs,
    skipDetection: false,
  };
}

/** A processor whose detector records each request's options and answers with no detections. */
function processorWith(maxFrameAgeMs: number) {
  const submitted: Array<{ timeoutMs?: number } | undefined> = [];
  const published: unknown[] = [];
  const served = {
    name: 'det',
    version: '1',
    detect: (_input: unknown, options?: { timeoutMs?: number }) => {
      submitted.push(options);
      return Promise.resolve({ value: { result: { detections: [] }, inferMs: 1 } });
    },
  };
  const manager = { resolve: () => served } as unknown as ModelManager;
  const publisher = {
    publish: (b: unknown) => Promise.resolve(void published.push(b)),
  } as unknown as DetectionPublisher;
  const registry = new Registry();
  const metrics = new InferenceMetrics(registry, 'va_inference_');
  const intake = new ImageIntake(
    { maxFramePixels: 64, maxCropPixels: 64, maxDecodedBytesPerRequest: 1024 },
    new DecodeBudget(4096),
    () => {},
  );
  const processor = new FrameProcessor(manager, undefined, publisher, metrics, intake, createLogger('test', 'silent'), {
    detector: 'det',
    priority: 1,
    maxFrameAgeMs,
  });
  const dropped = async (reason: string) =>
    (await registry.getSingleMetric('va_inference_frames_dropped_total')?.get())?.values.find(
      (v) => v.labels.reason === reason,
    )?.value ?? 0;
  return { processor, submitted, published, dropped };
}

describe('FrameProcessor: the age limit rules a frame’s life', () => {
  it('gives the detector what is left of the frame’s age budget as its timeout', async () => {
    const p = processorWith(60_000);
    await p.processor.process({ frame: rawFrame(Date.now() - 1_000), cameraId: 'cam', captureTsMs: 0, receivedAt: 0 });
    const timeoutMs = p.submitted[0]?.timeoutMs;
    assert.ok(
      timeoutMs !== undefined && timeoutMs > 50_000 && timeoutMs <= 59_000,
      `timeout ${timeoutMs} is the remaining budget, not the model's 2 s`,
    );
    assert.equal(p.published.length, 1);
  });

  it('drops a frame whose budget is spent as stale, without asking the detector', async () => {
    const p = processorWith(2_000);
    await p.processor.process({ frame: rawFrame(Date.now() - 5_000), cameraId: 'cam', captureTsMs: 0, receivedAt: 0 });
    assert.equal(p.submitted.length, 0);
    assert.equal(await p.dropped('stale'), 1);
  });

  it('leaves the model’s own timeout in force when frames have no age limit', async () => {
    const p = processorWith(0);
    await p.processor.process({ frame: rawFrame(Date.now() - 5_000), cameraId: 'cam', captureTsMs: 0, receivedAt: 0 });
    assert.equal(p.submitted[0]?.timeoutMs, undefined);
    assert.equal(p.published.length, 1);
  });
});

describe('FrameProcessor: frames the detection schedule skips', () => {
  it('publishes a skipped DetectionBatch without decoding or asking the detector, frame stats passed through', async () => {
    const p = processorWith(60_000);
    const frame = {
      ...rawFrame(Date.now()),
      skipDetection: true,
      pixels: new Uint8Array(0),
      stats: FrameStats.fromPartial({ meanLuma: 90, lumaStddev: 3, thumbHash: 5 }),
    };
    await p.processor.process({ frame, cameraId: 'cam', captureTsMs: 0, receivedAt: 0 });
    assert.equal(p.submitted.length, 0, 'the detector was not asked');
    assert.equal(p.published.length, 1);
    const batch = p.published[0] as DetectionBatch;
    assert.equal(batch.skipped, true);
    assert.equal(batch.sequence, 7);
    assert.deepEqual(batch.detections, []);
    assert.equal(batch.detector, undefined);
    assert.deepEqual(batch.frameStats, frame.stats);
  });
});

describe('FrameProcessor: shed frames are announced to the tracker', () => {
  it('names, in the camera’s next DetectionBatch, what ingest shed before its frames and what this worker dropped', async () => {
    const p = processorWith(2_000);
    const at = (sequence: number, captureTsMs: number, previousSequence?: number): Frame => ({
      ...rawFrame(captureTsMs),
      sequence,
      ...(previousSequence !== undefined ? { previousSequence } : {}),
    });
    const stale = at(5, Date.now() - 5_000, 2);
    p.processor.received(stale);
    await p.processor.process({ frame: stale, cameraId: 'cam', captureTsMs: 0, receivedAt: 0 });
    const superseded = at(6, Date.now(), 5);
    p.processor.received(superseded);
    p.processor.dropped(superseded, 'superseded');
    const fresh = at(8, Date.now(), 6);
    p.processor.received(fresh);
    await p.processor.process({ frame: fresh, cameraId: 'cam', captureTsMs: 0, receivedAt: 0 });
    assert.equal(p.published.length, 1);
    assert.deepEqual(
      (p.published[0] as DetectionBatch).shedSequences,
      [3, 4, 5, 6, 7],
      'ingest shed 3, 4 and 7; this worker dropped 5 (stale) and 6 (superseded)',
    );
    assert.equal(await p.dropped('stale'), 1);
    assert.equal(await p.dropped('superseded'), 1);
  });
});
