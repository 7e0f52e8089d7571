import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { unary, type NatsConnectionHandle } from '@va/common';
import type { SearchServiceClient } from '@va/common/gen/va/search/v1/search';
import { countDocs, esClient, uniquePrefix } from '../../helpers/elasticsearch.js';
import { startEmbedStandIn, type EmbedStandIn } from '../../helpers/inference-embed-standin.js';
import { pets09Crops, type PersonCrop } from '../../helpers/mot15.js';
import { loadOsnet } from '../../helpers/osnet.js';
import { detectionBatch, publish, trackUpdate } from '../../helpers/pipeline-messages.js';
import { waitFor } from '../../helpers/ports.js';
import { type RunningSearchService } from '../../helpers/search-service.js';
import { startSearchTestBed, type SearchTestBed } from '../../helpers/search-test-bed.js';

/**
 * Similarity search finds the same person: the people of PETS09-S2L1 frame 100 are indexed as
 * tracks (ground-truth boxes, crops embedded by the real OSNet model, as the inference service
 * does for persons), then each person is looked up with a crop of them from frames 200 and 300.
 * The query crop goes through SearchSimilar -> InferenceService/Embed (a stand-in server with the
 * same model, see test/helpers/inference-embed-standin.ts) -> kNN in Elasticsearch.
 */
describe('kNN returns the same person first (real crops, real OSNet, real Elasticsearch)', () => {
  const prefix = uniquePrefix('knn');
  const es = esClient();
  const t0 = Date.now() - 3_600_000;
  let bed: SearchTestBed;
  let embed: EmbedStandIn;
  let pub: NatsConnectionHandle;
  let service: RunningSearchService;
  let client: SearchServiceClient;
  let gallery: PersonCrop[];

  /** Index one camera's frame: a DetectionBatch with embeddings and the TrackUpdate matching each person to a track. */
  async function indexFrame(camera: string, sequence: number, tsMs: number, people: PersonCrop[]): Promise<void> {
    const osnet = await loadOsnet();
    const vectors = await osnet.embed(people.map((p) => p.jpeg));
    await osnet.close();
    const boxes = people.map((p) => ({ x1: p.x, y1: p.y, x2: p.x + p.w, y2: p.y + p.h }));
    await publish.detections(pub, detectionBatch(camera, sequence, tsMs, people.map((_, i) => ({ box: boxes[i], score: 0.9, classId: 0, className: 'person', embedding: vectors[i] }))));
    await publish.tracks(pub, trackUpdate(camera, sequence, tsMs, people.map((p, i) => ({ trackId: `p${p.id}`, box: boxes[i], score: 0.9, hits: 1, detectionIndex: i, firstSeenTsMs: tsMs, lastSeenTsMs: tsMs }))));
  }

  before(async () => {
    embed = await startEmbedStandIn();
    bed = await startSearchTestBed({ prefix, es, env: { VA_BATCHING_INFERENCE_GRPC_ADDR: embed.address } });
    ({ pub, service } = bed);
    client = service.client();
    gallery = await pets09Crops(100);
    await indexFrame('cam-a', 99, t0, gallery);
    // The same people seen later by a second camera, for track-to-track search.
    await indexFrame('cam-b', 199, t0 + 60_000, await pets09Crops(200));
    await waitFor(async () => (await countDocs(es, prefix, 'embeddings', { term: { has_embedding: true } })) === gallery.length + 7, { timeoutMs: 30_000, what: 'track embeddings indexed' });
  });

  after(async () => {
    await bed?.dispose();
    await embed?.stop();
  });

  it('finds each person of frame 100 with their crop from frames 200 and 300', async () => {
    const galleryIds = new Set(gallery.map((p) => p.id));
    const queries = [...(await pets09Crops(200)), ...(await pets09Crops(300))].filter((q) => galleryIds.has(q.id));
    assert.ok(queries.length >= 8, `enough people seen in both frames (${queries.length})`);
    for (const q of queries) {
      const res = await unary(client.searchSimilar.bind(client), {
        query: { $case: 'image', image: q.jpeg },
        filter: { cameraIds: ['cam-a'], classNames: ['person'], timeRange: undefined },
        k: 3,
        numCandidates: 50,
        model: '',
      });
      assert.equal(res.hits[0]?.trackId, `p${q.id}`, `person ${q.id} (frame ${q.frame}) top hits: ${res.hits.map((h) => `${h.trackId}:${h.score.toFixed(3)}`).join(' ')}`);
      assert.equal(res.hits[0]?.cameraId, 'cam-a');
      assert.ok((res.hits[0]?.score ?? 0) > (res.hits[1]?.score ?? 0));
      assert.equal(res.embedder?.name, 'osnet_x0_25_msmt17');
      assert.equal(res.hits.length, 3);
    }
    assert.equal(embed.calls(), queries.length, 'every image query was embedded by the inference service');
  });

  it('finds the same person on another camera by track reference', async () => {
    for (const id of [9, 11, 12, 13, 15]) {
      const res = await unary(client.searchSimilar.bind(client), {
        query: { $case: 'trackRef', trackRef: `cam-b/p${id}` },
        filter: undefined,
        k: 5,
        numCandidates: 0,
        model: '',
      });
      assert.ok(!res.hits.some((h) => h.cameraId === 'cam-b' && h.trackId === `p${id}`), 'the query track itself is left out');
      assert.equal(`${res.hits[0]?.cameraId}/${res.hits[0]?.trackId}`, `cam-a/p${id}`, res.hits.map((h) => `${h.cameraId}/${h.trackId}:${h.score.toFixed(3)}`).join(' '));
    }
  });

  it('applies camera and time filters to the kNN candidates', async () => {
    const crop = (await pets09Crops(300)).find((p) => p.id === 9) as PersonCrop;
    const onlyB = await unary(client.searchSimilar.bind(client), { query: { $case: 'image', image: crop.jpeg }, filter: { cameraIds: ['cam-b'], classNames: [], timeRange: undefined }, k: 10, numCandidates: 100, model: '' });
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
    const none = await unary(client.searchSimilar.bind(client), { query: { $case: 'image', image: crop.jpeg }, filter: { cameraIds: [], classNames: ['car'], timeRange: undefined }, k: 10, numCandidates: 100, model: '' });
    assert.deepEqual(none.hits, []);
  });
});
