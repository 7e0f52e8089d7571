// A real clip through all five services: its track summaries, track events and sampled track paths
// end up in Elasticsearch exactly as the indexing policy selects them from what was published
// (default policy: no per-frame detection documents, one path point per track per second plus
// first and last), and a crop of a person finds that person's track.
// VA_E2E_SEARCH_POLICY=per-frame runs it under the former policy (every detection batch and every
// track point indexed), to compare documents per frame and the search result side by side.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { iou, unary } from '@va/common';
import type { BBox } from '@va/proto/va/common/v1/geometry';
import type { TrackPoint } from '@va/proto/va/search/v1/search';
import { clipStream } from '@va/harness/pipeline/camera-streams';
import { scrapePipeline } from '@va/harness/pipeline/pipeline-scrape';
import { pets09Crops, pets09GroundTruth } from '@va/harness/mot15';
import {
  DEFAULT_POLICY,
  missing,
  pipelineConsumers,
  RESULT_KINDS,
  settledResults,
  waitTrackUpdates,
  type IndexPolicy,
  type Published,
} from './published-vs-indexed.js';
import {
  cutClip,
  nothingShedEnv,
  PETS09_CLIP,
  startWholePipeline,
  type WholePipeline,
} from '@va/harness/whole-pipeline';

const CAMERA = 'pets09';
/** Ten seconds of PETS09-S2L1 at its 7 fps: the three people of frame 1 walk through all of it. */
const FRAMES = 70;
const PER_FRAME = process.env.VA_E2E_SEARCH_POLICY === 'per-frame';
const POLICY: IndexPolicy = PER_FRAME ? { detections: true, pathIntervalMs: 0 } : DEFAULT_POLICY;

describe('a real clip through the whole pipeline (NATS, Elasticsearch, ffmpeg, ONNX models, five processes)', () => {
  let w: WholePipeline;
  let published: Published;

  before(async () => {
    // Every frame is detected and tracked however busy the machine is: the search verdict below
    // must not depend on how many frames a loaded 2-core machine sheds (the default per-camera
    // queue of one frame and the 2 s age limit shed most of them at a load average of 15, and the
    // tracks then break into fragments), so every hop has room for the whole clip (nothingShedEnv).
    w = await startWholePipeline('clip-search', {
      env: {
        ...nothingShedEnv(FRAMES),
        ...(PER_FRAME
          ? { 'embedding-search': { VA_SEARCH_INDEX_DETECTIONS: 'all', VA_SEARCH_PATH_INTERVAL_MS: '0' } }
          : {}),
      },
    });
    const clip = await cutClip(w, PETS09_CLIP, FRAMES, 'pets09-first-70');
    // Every frame at the clip's own pace (target fps 0), not looped: the stream completes.
    await w.addStream(clipStream(CAMERA, clip, { fps: 0, loop: false }));
    await w.waitCompleted(CAMERA);
    // Ingest has finished; inference and tracking may still be on the last frames.
    await waitTrackUpdates(w.bus, CAMERA, FRAMES, () => w.frameJourney(CAMERA), pipelineConsumers(CAMERA));
  });
  after(async () => {
    await w?.dispose();
  });

  it('indexes every track event and track summary that was published, and exactly the sampled track points, once', async (t) => {
    const settled = await settledResults(w.bus, w.es, w.prefix, CAMERA, POLICY);
    published = settled.published;
    const { indexed } = settled;
    assert.equal(
      published.messages.detections,
      FRAMES,
      `every frame detected (nothing shed, see before()); ${await w.frameJourney(CAMERA)}`,
    );
    assert.equal(published.batches.size, published.messages.detections, 'one DetectionBatch per frame in JetStream');
    assert.deepEqual(
      new Set(published.trackSequences),
      new Set(published.detectionSequences),
      'one TrackUpdate per detected frame',
    );
    assert.ok(
      published.tracks.size > 0 && published['track-events'].size > 0,
      'tracks and track events were published',
    );
    for (const kind of RESULT_KINDS) {
      assert.equal(
        indexed[kind].size,
        published[kind].size,
        `${kind}: ${indexed[kind].size} indexed, ${published[kind].size} published; not indexed: ${missing(published[kind], indexed[kind])}; not published: ${missing(indexed[kind], published[kind])}`,
      );
      assert.deepEqual(missing(published[kind], indexed[kind]), [], `${kind}: every published result is indexed`);
    }
    assert.equal(indexed.duplicates, 0, 'no document indexed twice');
    const docs = RESULT_KINDS.reduce((n, k) => n + indexed[k].size, 0);
    // Index operations include rewrites of the same document (track summaries); flags and reviews are not in RESULT_KINDS.
    const writes =
      (await scrapePipeline(w.pipeline)).metrics['embedding-search']?.sum('va_search_indexed_documents_total') ?? 0;
    t.diagnostic(
      `policy ${PER_FRAME ? 'per-frame' : 'default'}: ${docs} documents for ${FRAMES} frames (${(docs / FRAMES).toFixed(2)} per frame; ${writes} index operations, ${(writes / FRAMES).toFixed(2)} per frame): ` +
        `${indexed.detections.size} detection batches of ${published.batches.size}, ${indexed.tracks.size} track points of ${published.trackPoints}, ` +
        `${indexed['track-events'].size} events, ${indexed.embeddings.size} summaries`,
    );
    if (!PER_FRAME)
      assert.ok(
        indexed.tracks.size < published.trackPoints / 2,
        `paths sampled: ${indexed.tracks.size} of ${published.trackPoints} points`,
      );
    const withEmbedding = await w.es.count({
      index: `${w.prefix}-embeddings`,
      query: { bool: { filter: [{ term: { camera_id: CAMERA } }, { term: { has_embedding: true } }] } },
    });
    assert.ok(withEmbedding.count > 0, 'person tracks carry a representative embedding');
  });

  it('SearchSimilar with a crop of a person returns that person’s track', async (t) => {
    // The query: the largest person in the original JPEG of frame 1 (video frame 0), cut out with its ground-truth box.
    const crops = await pets09Crops(1);
    const person = crops.reduce((a, b) => (b.w * b.h > a.w * a.h ? b : a));
    const search = w.pipeline.clients.search;
    const res = await unary(
      search.searchSimilar.bind(search),
      {
        query: { $case: 'image', image: person.jpeg },
        filter: { cameraIds: [CAMERA], classNames: [], timeRange: undefined },
        k: 5,
        numCandidates: 0,
        model: '',
      },
      { deadlineMs: 30_000 },
    );
    const top = res.hits[0];
    assert.ok(top, 'at least one hit');

    // Whose track is it? The person identified by the ground truth: a path point belongs to the
    // ground-truth person whose box it overlaps at IoU >= 0.5 in the same frame (the CLEAR MOT
    // criterion; video frame n is ground-truth frame n + 1), and the track is the person's that
    // owns most of its points (points overlapping nobody, e.g. coasting predictions or loose
    // boxes on these 30-pixel-wide people, vote for no one). Any fragment of the person's identity
    // qualifies: a similarity search may rightly return whichever fragment looks most alike.
    const path: TrackPoint[] = [];
    let pageToken = '';
    do {
      const page = await unary(
        search.getTrack.bind(search),
        { cameraId: CAMERA, trackId: top.trackId, pageSize: 500, pageToken },
        { deadlineMs: 10_000 },
      );
      path.push(...page.path);
      pageToken = page.nextPageToken;
    } while (pageToken);
    const truth = pets09GroundTruth();
    const owners = new Map<number, number>();
    for (const point of path) {
      if (!point.box) continue;
      const gt = truth
        .filter((b) => b.frame === point.sequence + 1)
        .map((b) => ({ id: b.id, iou: iou(point.box as BBox, { x1: b.x, y1: b.y, x2: b.x + b.w, y2: b.y + b.h }) }))
        .filter((m) => m.iou >= 0.5)
        .sort((a, b) => b.iou - a.iou)[0];
      if (gt) owners.set(gt.id, (owners.get(gt.id) ?? 0) + 1);
    }
    const matched = owners.get(person.id) ?? 0;
    const owner = [...owners].sort((a, b) => b[1] - a[1])[0];
    const describeHit = `hit ${top.cameraId}/${top.trackId} (similarity ${top.score.toFixed(3)}, ${path.length} path points; ground-truth owners ${JSON.stringify([...owners])}); queried person ${person.id}; other hits ${res.hits
      .slice(1)
      .map((h) => `${h.trackId}:${h.score.toFixed(3)}`)
      .join(', ')}`;
    t.diagnostic(describeHit);
    assert.equal(top.cameraId, CAMERA);
    assert.equal(top.className, 'person', describeHit);
    assert.equal(owner?.[0], person.id, describeHit);
    // Per frame, 5 matched points (0.7 s at 7 fps) were asked for. The default path holds about one
    // point per second, so 3 matched points span at least two seconds of the person's walk.
    const minMatched = PER_FRAME ? 5 : 3;
    assert.ok(
      matched >= minMatched,
      `the track overlaps the person in at least ${minMatched} path points: ${describeHit}`,
    );
  });
});
