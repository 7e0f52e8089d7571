import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { unary, type NatsConnectionHandle } from '@va/common';
import type { InferenceServiceClient } from '@va/proto/va/inference/v1/inference';
import type { SearchServiceClient } from '@va/proto/va/search/v1/search';
import { countDocs, esClient, uniquePrefix } from '@va/harness/elasticsearch';
import type { InferenceProcess } from '@va/harness/inference-service';
import { pets09Crops, type PersonCrop } from '@va/harness/mot15';
import { detectionBatch, publish, trackUpdate } from '@va/harness/pipeline-messages';
import { waitFor } from '@va/harness/ports';
import { type RunningSearchService } from '@va/harness/search-service';
import { sharedFile } from '@va/harness/shared';
import { startSearchTestBed, type SearchTestBed } from '@va/harness/search-test-bed';

/**
 * Similarity search finds the same person: the people of PETS09-S2L1 frame 100 are indexed as
 * tracks (ground-truth boxes, embedded by the real batching-inference service from the frame and
 * the boxes, as its pipeline does for persons), then each person is looked up with a crop of them
 * from frames 200 and 300. The query crop goes through SearchSimilar -> InferenceService/Embed of
 * the same real service (a process run from source, OSNet only) -> kNN in Elasticsearch.
 */
describe('kNN returns the same person first (real crops, real inference service, real Elasticsearch)', () => {
  const prefix = uniquePrefix('knn');
  const es = esClient();
  const t0 = Date.now() - 3_600_000;
  let bed: SearchTestBed;
  let inference: InferenceProcess;
  let embedder: InferenceServiceClient;
  let pub: NatsConnectionHandle;
  let service: RunningSearchService;
  let client: SearchServiceClient;
  let gallery: PersonCrop[];
  /** The embedding the inference service gave each indexed track, by `<camera>/p<id>`. */
  const indexed = new Map<string, number[]>();

  /** Embed calls the inference service has answered (its own gRPC server metric). */
  const embedCalls = async () =>
    (await inference.metric('grpc_server_handled_total', { grpc_method: 'Embed', grpc_code: 'OK' })) ?? 0;

  /** Index one camera's frame: a DetectionBatch with embeddings and the TrackUpdate matching each person to a track. */
  async function indexFrame(camera: string, frame: 100 | 200, tsMs: number, people: PersonCrop[]): Promise<void> {
    const boxes = people.map((p) => ({ x1: p.x, y1: p.y, x2: p.x + p.w, y2: p.y + p.h }));
    const sourceImage = readFileSync(sharedFile(`data/mot15/PETS09-S2L1/img1/${String(frame).padStart(6, '0')}.jpg`));
    const embedded = await unary(embedder.embed.bind(embedder), {
      crops: [],
      model: '',
      version: '',
      sourceImage,
      boxes,
    });
    const vectors = embedded.embeddings.map((e) => e.values);
    people.forEach((p, i) => indexed.set(`${camera}/p${p.id}`, vectors[i] as number[]));
    const sequence = frame - 1;
    await publish.detections(
      pub,
      detectionBatch(
        camera,
        sequence,
        tsMs,
        people.map((_, i) => ({ box: boxes[i], score: 0.9, classId: 0, className: 'person', embedding: vectors[i] })),
      ),
    );
    await publish.tracks(
      pub,
      trackUpdate(
        camera,
        sequence,
        tsMs,
        people.map((p, i) => ({
          trackId: `p${p.id}`,
          box: boxes[i],
          score: 0.9,
          hits: 1,
          detectionIndex: i,
          firstSeenTsMs: tsMs,
          lastSeenTsMs: tsMs,
        })),
      ),
    );
  }

  before(async () => {
    bed = await startSearchTestBed({ prefix, es, inference: true });
    ({ pub, service } = bed);
    inference = bed.inference as InferenceProcess;
    embedder = inference.client('viewer');
    client = service.client();
    gallery = await pets09Crops(100);
    await indexFrame('cam-a', 100, t0, gallery);
    // The same people seen later by a second camera, for track-to-track search.
    await indexFrame('cam-b', 200, t0 + 60_000, await pets09Crops(200));
    await waitFor(
      async () => (await countDocs(es, prefix, 'embeddings', { term: { has_embedding: true } })) === gallery.length + 7,
      { timeoutMs: 30_000, what: 'track embeddings indexed' },
    );
  });

  after(async () => {
    await bed?.dispose();
  });

  it('finds each person of frame 100 with their crop from frames 200 and 300', async () => {
    const galleryIds = new Set(gallery.map((p) => p.id));
    const queries = [...(await pets09Crops(200)), ...(await pets09Crops(300))].filter((q) => galleryIds.has(q.id));
    assert.ok(queries.length >= 8, `enough people seen in both frames (${queries.length})`);
    const callsBefore = await embedCalls();
    for (const q of queries) {
      const res = await unary(client.searchSimilar.bind(client), {
        query: { $case: 'image', image: q.jpeg },
        filter: { cameraIds: ['cam-a'], classNames: ['person'], timeRange: undefined },
        k: 3,
        numCandidates: 50,
        model: '',
      });
      assert.equal(
        res.hits[0]?.trackId,
        `p${q.id}`,
        `person ${q.id} (frame ${q.frame}) top hits: ${res.hits.map((h) => `${h.trackId}:${h.score.toFixed(3)}`).join(' ')}`,
      );
      assert.equal(res.hits[0]?.cameraId, 'cam-a');
      assert.ok((res.hits[0]?.score ?? 0) > (res.hits[1]?.score ?? 0));
      assert.equal(res.embedder?.name, 'osnet_x0_25_msmt17');
      assert.equal(res.hits.length, 3);
    }
    assert.equal(
      (await embedCalls()) - callsBefore,
      queries.length,
      'every image query was embedded by the inference service',
    );
  });

  it('finds the same person on another camera by track reference', async () => {
    // The hit list must be the exact cosine ranking of the stored embeddings (the query track left
    // out): that is the search's job. Whether the nearest is the same person is the ReID model's
    // job; on these crops OSNet x0.25 gets it right for all but person 15, whom frame 200 shows
    // closer to person 9 of frame 100 (0.559) than to themself (0.554), so one miss is allowed.
    const shared = [...indexed.keys()].filter(
      (k) => k.startsWith('cam-b/') && indexed.has(k.replace('cam-b/', 'cam-a/')),
    );
    assert.ok(shared.length >= 5, `people on both cameras: ${shared.join(' ')}`);
    const misses: string[] = [];
    for (const ref of shared) {
      const res = await unary(client.searchSimilar.bind(client), {
        query: { $case: 'trackRef', trackRef: ref },
        filter: undefined,
        k: 5,
        numCandidates: 0,
        model: '',
      });
      const got = res.hits.map((h) => `${h.cameraId}/${h.trackId}`);
      assert.ok(!got.includes(ref), 'the query track itself is left out');
      const exact = [...indexed]
        .filter(([k]) => k !== ref)
        .map(([k, v]) => [k, cosine(v, indexed.get(ref) as number[])] as const)
        .sort((a, b) => b[1] - a[1]);
      assert.deepEqual(
        got,
        exact.slice(0, 5).map(([k]) => k),
        `${ref}: hits ${res.hits.map((h) => h.score.toFixed(3)).join(' ')}, exact ${exact
          .slice(0, 5)
          .map(([k, c]) => `${k}:${c.toFixed(3)}`)
          .join(' ')}`,
      );
      if (got[0] !== ref.replace('cam-b/', 'cam-a/')) misses.push(`${ref} -> ${got.slice(0, 2).join(', ')}`);
    }
    assert.ok(
      misses.length <= 1,
      `same person first for all but one of ${shared.length}; missed: ${misses.join('; ')}`,
    );
  });

  it('applies camera and time filters to the kNN candidates', async () => {
    const crop = (await pets09Crops(300)).find((p) => p.id === 9) as PersonCrop;
    const onlyB = await unary(client.searchSimilar.bind(client), {
      query: { $case: 'image', image: crop.jpeg },
      filter: { cameraIds: ['cam-b'], classNames: [], timeRange: undefined },
      k: 10,
      numCandidates: 100,
      model: '',
    });
    assert.ok(onlyB.hits.length > 0 && onlyB.hits.every((h) => h.cameraId === 'cam-b'));
    assert.equal(onlyB.hits[0]?.trackId, 'p9');
    const early = await unary(client.searchSimilar.bind(client), {
      query: { $case: 'image', image: crop.jpeg },
      filter: { cameraIds: [], classNames: [], timeRange: { fromMs: 0, toMs: t0 + 1_000 } },
      k: 10,
      numCandidates: 100,
      model: '',
    });
    assert.ok(early.hits.length > 0 && early.hits.every((h) => h.cameraId === 'cam-a' && h.lastSeenTsMs <= t0 + 1_000));
    const none = await unary(client.searchSimilar.bind(client), {
      query: { $case: 'image', image: crop.jpeg },
      filter: { cameraIds: [], classNames: ['car'], timeRange: undefined },
      k: 10,
      numCandidates: 100,
      model: '',
    });
    assert.deepEqual(none.hits, []);
  });
});

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}
