import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CameraTrackTable } from './camera-track-table.js';

const track = (cameraId: string, id: string) => ({ key: `${cameraId}/${id}`, cameraId });

describe('camera track table: least recently updated first, tracks by camera', () => {
  it("keeps eviction order by last touch and finds a camera's tracks", () => {
    const table = new CameraTrackTable<ReturnType<typeof track>>();
    const a = track('cam-1', 'a');
    const b = track('cam-2', 'b');
    const c = track('cam-1', 'c');
    for (const t of [a, b, c]) table.touch(t);
    assert.equal(table.oldest(), a);
    table.touch(a);
    assert.equal(table.oldest(), b, 'a was touched again, so b is now the oldest');
    assert.deepEqual(
      table
        .ofCamera('cam-1')
        .map((t) => t.key)
        .sort(),
      ['cam-1/a', 'cam-1/c'],
    );
    assert.equal(table.size, 3);
  });

  it('forgets a deleted track, and a camera once its last track is gone', () => {
    const table = new CameraTrackTable<ReturnType<typeof track>>();
    const a = track('cam-1', 'a');
    table.touch(a);
    for (const t of table.ofCamera('cam-1')) table.delete(t);
    assert.equal(table.size, 0);
    assert.equal(table.has(a.key), false);
    assert.deepEqual(table.ofCamera('cam-1'), []);
    assert.equal(table.oldest(), undefined);
  });
});
