import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackUpdate } from '@va/proto/va/common/v1/track';
import { receivedBatch, testMetrics } from '../test-support.js';
import { EmbeddingJoin } from './embedding-join.js';

const DIMS = 4;
const vec = (x: number) => [x, 1, 0, 0];
const batch = (camera: string, sequence: number, embeddings: Array<number[] | undefined>) =>
  receivedBatch({
    cameraId: camera,
    sequence,
    captureTsMs: 1000 + sequence,
    streamEpoch: 'e',
    detections: embeddings.map((e, i) => ({ score: 0.5 + i / 10, className: 'person', embedding: e ?? [] })),
  });
const update = (camera: string, sequence: number, matches: Array<[string, number]>) =>
  TrackUpdate.fromPartial({
    cameraId: camera,
    sequence,
    captureTsMs: 1000 + sequence,
    streamEpoch: 'e',
    tracks: matches.map(([trackId, detectionIndex]) => ({ trackId, detectionIndex, className: 'person' })),
  });

describe('joining track updates with their detections', () => {
  it('detections first: the update picks its matched detection', () => {
    const join = new EmbeddingJoin({ framesPerCamera: 10, maxCameras: 10, dims: DIMS, metrics: testMetrics() });
    assert.deepEqual(join.addDetections(batch('c', 1, [vec(1), vec(2)])), []);
    const out = join.matchTracks(
      update('c', 1, [
        ['a', 1],
        ['b', -1],
      ]),
    );
    assert.equal(out.length, 1);
    assert.equal(out[0]?.track.trackId, 'a');
    assert.deepEqual(Array.from(out[0]?.embedding ?? []), vec(2));
    assert.equal(out[0]?.score, Math.fround(0.6), 'a float on the wire');
  });

  it('track update first: the match waits and resolves when the detections come', () => {
    const join = new EmbeddingJoin({ framesPerCamera: 10, maxCameras: 10, dims: DIMS, metrics: testMetrics() });
    assert.deepEqual(join.matchTracks(update('c', 7, [['a', 0]])), []);
    const late = join.addDetections(batch('c', 7, [vec(3)]));
    assert.equal(late.length, 1);
    assert.equal(late[0]?.track.trackId, 'a');
    assert.equal(late[0]?.sequence, 7);
    // Resolved once only.
    assert.deepEqual(join.addDetections(batch('c', 7, [vec(3)])), []);
  });

  it('skips detections without a usable embedding', () => {
    const join = new EmbeddingJoin({ framesPerCamera: 10, maxCameras: 10, dims: DIMS, metrics: testMetrics() });
    join.addDetections(batch('c', 1, [undefined, [1, 2], [0, 0, 0, 0], [Number.NaN, 1, 1, 1]]));
    assert.deepEqual(
      join.matchTracks(
        update('c', 1, [
          ['a', 0],
          ['b', 1],
          ['c', 2],
          ['d', 3],
        ]),
      ),
      [],
    );
  });

  it('stays bounded: old frames, old pending matches and quiet cameras are dropped', () => {
    const metrics = testMetrics();
    const join = new EmbeddingJoin({ framesPerCamera: 3, maxCameras: 2, dims: DIMS, metrics, maxEmbeddings: 100 });
    for (let s = 0; s < 10; s++) join.addDetections(batch('c1', s, [vec(s)]));
    assert.equal(join.size.embeddings, 3);
    assert.deepEqual(join.matchTracks(update('c1', 2, [['a', 0]])), [], 'frame 2 fell out; the match now waits');
    for (let s = 20; s < 25; s++) join.matchTracks(update('c1', s, [['a', 0]]));
    join.addDetections(batch('c2', 1, [vec(1)]));
    join.addDetections(batch('c3', 1, [vec(1)]));
    assert.equal(join.size.cameras, 2);
    const global = new EmbeddingJoin({
      framesPerCamera: 100,
      maxCameras: 100,
      dims: DIMS,
      metrics: testMetrics(),
      maxEmbeddings: 5,
    });
    for (let s = 0; s < 4; s++) global.addDetections(batch(`cam${s}`, s, [vec(1), vec(2)]));
    assert.ok(global.size.embeddings <= 5);
  });
});
