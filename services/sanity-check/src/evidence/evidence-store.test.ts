import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EvidenceStore, type EvidenceMeta } from './evidence-store.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'va-evidence-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const meta = (sequence: number, storedAtMs: number, epoch = 'run-1'): EvidenceMeta => ({
  version: 1,
  cameraId: 'cam-1',
  streamEpoch: epoch,
  sequence,
  captureTsMs: 1000 + sequence,
  width: 64,
  height: 48,
  kinds: ['flag'],
  flagIds: [`f${sequence}`],
  detections: [{ box: [1, 2, 30, 40], score: 0.9, classId: 0, className: 'person' }],
  storedAtMs,
});
const jpeg = (bytes: number) => Buffer.alloc(bytes, 7);

describe('evidence store', () => {
  it('writes image and sidecar, finds them again after a restart, and records further reasons', async () => {
    const dir = tmp();
    const store = await EvidenceStore.open(dir, { maxBytes: 1 << 20, maxAgeMs: 3600_000 });
    await store.write(meta(5, 100), jpeg(1000));
    const key = EvidenceStore.key('cam-1', 'run-1', 5);
    assert.ok(existsSync(store.imagePath(key)));
    await store.addReason(key, 'low-confidence');
    await store.addReason(key, 'flag', 'f-other');
    const reopened = await EvidenceStore.open(dir, { maxBytes: 1 << 20, maxAgeMs: 3600_000 });
    assert.deepEqual(reopened.meta(key)?.kinds, ['flag', 'low-confidence']);
    assert.deepEqual(reopened.meta(key)?.flagIds, ['f5', 'f-other']);
    assert.equal(reopened.bytes, store.bytes);
    assert.ok(reopened.bytes > 1000);
  });

  it('keeps odd stream epochs inside the store folder', async () => {
    const dir = tmp();
    const store = await EvidenceStore.open(dir, { maxBytes: 1 << 20, maxAgeMs: 3600_000 });
    await store.write(meta(1, 1, '../../etc/x y'), jpeg(10));
    const key = EvidenceStore.key('cam-1', '../../etc/x y', 1);
    assert.ok(!key.includes('..'));
    assert.ok(store.imagePath(key).startsWith(dir));
  });

  it('prunes by age, then oldest first down to the size limit', async () => {
    const dir = tmp();
    const store = await EvidenceStore.open(dir, { maxBytes: 5000, maxAgeMs: 1000 });
    for (let s = 0; s < 8; s++) await store.write(meta(s, 10_000 + s * 100), jpeg(1000));
    const pruned = await store.prune(11_250);
    assert.deepEqual(pruned, { age: 3, size: 1 }, 'three too old, then one more for size');
    assert.ok(store.bytes <= 5000);
    assert.equal(store.images, 4);
    assert.equal(store.meta(EvidenceStore.key('cam-1', 'run-1', 3)), undefined);
    assert.ok(!existsSync(store.imagePath(EvidenceStore.key('cam-1', 'run-1', 0))));
    assert.equal(store.meta(EvidenceStore.key('cam-1', 'run-1', 4))?.sequence, 4);
  });
});
