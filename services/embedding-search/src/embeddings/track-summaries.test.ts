import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackUpdate } from '@va/proto/va/common/v1/track';
import { IndexRouter } from '../indices/index-router.js';
import { IndexNames, INDEX_KINDS } from '../indices/index-names.js';
import { testMetrics } from '../test-support.js';
import type { EmbeddingCandidate } from './embedding-join.js';
import { trackInfo } from './embedding-join.js';
import { TrackSummaries } from './track-summaries.js';
import type { StoredSummary, TrackSummaryStore } from './track-summary-store.js';

const T0 = Date.UTC(2030, 0, 1, 12);
const router = new IndexRouter(
  new IndexNames('va'),
  Object.fromEntries(INDEX_KINDS.map((k) => [k, 30])) as never,
  testMetrics(),
  () => T0,
);

function store(stored: Record<string, StoredSummary> = {}): TrackSummaryStore & { loads: number } {
  const s = {
    loads: 0,
    async load(refs: ReadonlyArray<{ index: string; id: string }>) {
      s.loads++;
      return new Map(refs.filter((r) => stored[r.id]).map((r) => [r.id, stored[r.id] as StoredSummary]));
    },
  };
  return s;
}

const update = (sequence: number, trackIds: string[], camera = 'cam') =>
  TrackUpdate.fromPartial({
    cameraId: camera,
    sequence,
    captureTsMs: T0 + sequence * 100,
    streamEpoch: 'e',
    tracks: trackIds.map((trackId) => ({
      trackId,
      className: 'person',
      hits: sequence + 1,
      firstSeenTsMs: T0,
      lastSeenTsMs: T0 + sequence * 100,
      detectionIndex: 0,
    })),
  });

function candidate(u: TrackUpdate, trackId: string, score: number): EmbeddingCandidate {
  const t = u.tracks.find((x) => x.trackId === trackId);
  assert.ok(t);
  return {
    track: trackInfo(u, t),
    sequence: u.sequence,
    tsMs: u.captureTsMs,
    score,
    box: undefined,
    embedding: Float32Array.from([score, 1]),
    embedder: { name: 'osnet', version: '1' },
  };
}

describe('track summaries: one representative embedding per track', () => {
  it('writes a new track at once, its first embedding at once, then at most every refresh interval of event time', async () => {
    const s = new TrackSummaries({ router, store: store(), metrics: testMetrics(), refreshMs: 500, maxTracks: 100 });
    const u0 = update(0, ['a']);
    const w0 = s.observe(u0, []);
    assert.equal(w0.length, 1);
    assert.equal(w0[0]?.id, 'cam/a');
    assert.equal(w0[0]?.index, 'va-embeddings-2030.01.01');
    assert.deepEqual(w0[0]?.version, { value: 1, type: 'external' });
    assert.equal(w0[0]?.doc.has_embedding, false);

    const u1 = update(1, ['a']);
    const w1 = s.observe(u1, [candidate(u1, 'a', 0.6)]);
    assert.equal(w1[0]?.doc.best_score, 0.6, 'first embedding written at once');

    for (let seq = 2; seq < 6; seq++) {
      const u = update(seq, ['a']);
      assert.deepEqual(
        s.observe(u, [candidate(u, 'a', 0.6 + seq / 100)]),
        [],
        `nothing before ${5} frames (seq ${seq})`,
      );
    }
    const u6 = update(6, ['a']);
    const w6 = s.observe(u6, [candidate(u6, 'a', 0.5)]);
    assert.equal(w6.length, 1, 'refresh after N frames of event time');
    assert.ok(Math.abs(Number(w6[0]?.doc.best_score) - 0.65) < 1e-9, 'the best-scoring crop so far, not the latest');
    assert.equal(w6[0]?.doc.best_sequence, 5);
    assert.equal(w6[0]?.doc.last_seen_ts, T0 + 600);
    assert.deepEqual(w6[0]?.version, { value: 3, type: 'external' });
  });

  it('writes a final summary when the track leaves the updates, and forgets it', async () => {
    const s = new TrackSummaries({ router, store: store(), metrics: testMetrics(), refreshMs: 10000, maxTracks: 100 });
    s.observe(update(0, ['a', 'b']), []);
    s.observe(update(1, ['a', 'b']), []);
    const w = s.observe(update(2, ['b']), []);
    assert.deepEqual(
      w.map((x) => x.id),
      ['cam/a'],
    );
    assert.equal(w[0]?.doc.last_sequence, 1);
    assert.equal(s.size, 1);
    assert.deepEqual(
      s.observe(update(3, ['b'], 'other-cam'), []).map((y) => y.id),
      ['other-cam/b'],
      "other cameras do not end this camera's tracks",
    );
  });

  it('continues a track stored before a restart: best embedding and version carry on', async () => {
    const stored = {
      'cam/a': {
        version: 7,
        source: {
          first_seen_ts: T0 - 1000,
          last_seen_ts: T0,
          last_sequence: 40,
          hits: 41,
          best_score: 0.9,
          best_sequence: 30,
          best_ts: T0 - 500,
          embedding: [0.9, 1],
        },
      },
    };
    const st = store(stored);
    const s = new TrackSummaries({ router, store: st, metrics: testMetrics(), refreshMs: 500, maxTracks: 100 });
    const u = update(50, ['a']);
    const first = s.observe(u, [candidate(u, 'a', 0.7)]);
    // Written at once, not waiting for the read-back; its low version cannot overwrite the stored one.
    assert.deepEqual(first[0]?.version, { value: 1, type: 'external' });
    await s.seeded();
    assert.equal(st.loads, 1);
    const w = s.observe(update(56, ['a']), []);
    assert.equal(w.length, 1, 'due: N frames since the last write');
    assert.equal(w[0]?.doc.best_score, 0.9, 'a worse crop does not replace the stored best');
    assert.equal(w[0]?.doc.first_seen_ts, T0 - 1000);
    assert.deepEqual(w[0]?.version, { value: 8, type: 'external' }, 'continues above the stored version');
    s.observe(update(57, ['a']), []);
    await s.seeded();
    assert.equal(st.loads, 1, 'read back once');
  });

  it('takes late candidates, and stays within its track limit', async () => {
    const s = new TrackSummaries({ router, store: store(), metrics: testMetrics(), refreshMs: 10000, maxTracks: 2 });
    const u = update(0, ['a', 'b', 'c']);
    const w = s.observe(u, []);
    assert.equal(w.length, 3);
    assert.equal(s.size, 2);
    const late = s.offer([candidate(u, 'c', 0.8)]);
    assert.equal(late.length, 1);
    assert.equal(late[0]?.doc.has_embedding, true);
  });

  it('skips tracks that started before the retention window', async () => {
    const s = new TrackSummaries({ router, store: store(), metrics: testMetrics(), refreshMs: 100, maxTracks: 10 });
    const old = TrackUpdate.fromPartial({
      cameraId: 'cam',
      sequence: 1,
      captureTsMs: T0,
      tracks: [{ trackId: 'ancient', firstSeenTsMs: T0 - 90 * 86_400_000, lastSeenTsMs: T0 }],
    });
    assert.deepEqual(s.observe(old, []), []);
  });
});
