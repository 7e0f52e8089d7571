import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import sharp from 'sharp';
import { createLogger } from '@va/common';
import { SanityMetrics } from '../metrics.js';
import { EvidenceRecorder, type EvidenceRequest } from './evidence-recorder.js';
import { EvidenceStore } from './evidence-store.js';
import type { EvidenceFrameSource, FetchedFrame, FrameLocation } from './ingest-frame-source.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Ingest as far as the recorder can tell: answers per sequence, every request recorded. */
class FakeIngest implements EvidenceFrameSource {
  readonly asked: FrameLocation[] = [];
  constructor(private readonly answers: (sequence: number) => FetchedFrame) {}
  fetch(frame: FrameLocation): Promise<FetchedFrame> {
    this.asked.push(frame);
    return Promise.resolve(this.answers(frame.sequence));
  }
}

async function bed(answers: (sequence: number) => FetchedFrame, queueSize = 16) {
  const dir = mkdtempSync(join(tmpdir(), 'va-recorder-'));
  dirs.push(dir);
  const store = await EvidenceStore.open(dir, { maxBytes: 1 << 24, maxAgeMs: 3600_000 });
  const registry = new Registry();
  const metrics = new SanityMetrics(registry, 'va_sanity_');
  const source = new FakeIngest(answers);
  const recorder = new EvidenceRecorder(source, store, metrics, createLogger('test', 'silent'), {
    queueSize,
    jpegQuality: 90,
    maxFramePixels: 1000 * 1000,
  });
  const missing = async () =>
    Object.fromEntries(
      (await registry.getSingleMetric('va_sanity_evidence_missing_total')!.get()).values.map((v) => [
        v.labels.reason,
        v.value,
      ]),
    );
  return { store, source, recorder, missing };
}

const request = (sequence: number, flagId = `f${sequence}`): EvidenceRequest => ({
  kind: 'flag',
  cameraId: 'cam',
  streamEpoch: 'e1',
  sequence,
  captureTsMs: 1000 + sequence,
  flagId,
  detections: [],
});
const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 120, b: 30 } } })
  .jpeg()
  .toBuffer();

describe('evidence recorder (frames fetched from ingest)', () => {
  it('stores the JPEG ingest serves, once per frame, with every reason', async () => {
    const b = await bed(() => ({ status: 'ok', jpeg, width: 64, height: 48 }));
    b.recorder.request(request(3));
    await b.recorder.drain();
    b.recorder.request(request(3, 'f-again'));
    await new Promise((r) => setTimeout(r, 50));
    await b.recorder.drain();
    const key = EvidenceStore.key('cam', 'e1', 3);
    assert.ok(b.store.has(key));
    assert.equal(b.source.asked.length, 1, 'a stored frame is not fetched again');
    assert.deepEqual(b.store.meta(key)?.flagIds, ['f3', 'f-again']);
    assert.deepEqual(await b.missing(), {});
  });

  it('keeps the flag without an image when ingest no longer has the frame, and counts why', async () => {
    const answers: Record<number, FetchedFrame> = {
      1: { status: 'aged_out', error: 'gone' },
      2: { status: 'not_published', error: 'dropped' },
      3: { status: 'unknown_camera', error: 'who' },
      4: { status: 'busy', error: 'later' },
      5: { status: 'unavailable', error: 'no answer in time' },
      6: { status: 'failed', error: 'encoder' },
      7: { status: 'ok', jpeg: new Uint8Array([1, 2, 3]), width: 64, height: 48 },
      8: { status: 'ok', jpeg, width: 640, height: 480 },
    };
    const b = await bed((s) => answers[s] as FetchedFrame);
    for (let s = 1; s <= 8; s++) b.recorder.request(request(s));
    await b.recorder.drain();
    assert.deepEqual(await b.missing(), {
      frame_gone: 1,
      frame_not_published: 1,
      unknown_camera: 1,
      ingest_busy: 1,
      ingest_unavailable: 1,
      fetch_failed: 3,
    });
    assert.equal(b.store.images, 0);
  });

  it('refuses an image larger than the pixel limit by its header, and drops requests past the queue', async () => {
    const huge = await sharp({ create: { width: 2000, height: 1000, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .jpeg()
      .toBuffer();
    const b = await bed(() => ({ status: 'ok', jpeg: huge, width: 2000, height: 1000 }), 2);
    for (let s = 1; s <= 4; s++) b.recorder.request(request(s));
    await b.recorder.drain();
    // The first starts at once (taken off the queue), two wait, the fourth finds the queue full.
    const missing = await b.missing();
    assert.equal(missing.queue_full, 1, JSON.stringify(missing));
    assert.equal(missing.too_large, 3, JSON.stringify(missing));
  });
});
