import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { detectVideoCached, readDetectionBatches } from '@va/batching-inference/offline';
import { sharedDir, sharedFile } from '@va/harness/shared';

describe('offline detections are cached as size-delimited DetectionBatch files', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'va-detections-cache-'));
  after(() => rmSync(cacheDir, { recursive: true, force: true }));
  const video = sharedFile('data/mot15/PETS09-S2L1/PETS09-S2L1_300frames_768x576_7fps.mp4');
  const options = {
    video,
    sharedDir: sharedDir(),
    frameStep: 100,
    maxFrames: 3,
    embedder: 'osnet_x0_25_msmt17',
    cacheDir,
  };

  it('computes once, then reads the same batches back; other options get their own file', async () => {
    const first = await detectVideoCached(options);
    assert.equal(first.fromCache, false);
    assert.deepEqual(
      first.batches.map((b) => b.sequence),
      [0, 100, 200],
    );
    assert.ok(
      first.batches.every((b) => b.detections.some((d) => d.className === 'person' && d.embedding.length === 512)),
    );
    assert.ok(statSync(first.file).size > 0);

    const second = await detectVideoCached(options);
    assert.equal(second.fromCache, true);
    assert.equal(second.file, first.file);
    assert.deepEqual(second.batches, first.batches);
    assert.deepEqual(await readDetectionBatches(first.file), first.batches);

    const other = await detectVideoCached({ ...options, maxFrames: 1, embedder: undefined });
    assert.notEqual(other.file, first.file);
    assert.equal(other.batches.length, 1);
  });
});
