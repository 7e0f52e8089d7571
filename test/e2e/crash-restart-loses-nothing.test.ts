// SIGKILL mid-run, then a restart: tracking, and separately embedding-search. Every result
// published on JetStream ends up in Elasticsearch exactly once (same ids, no duplicates), and the
// tracker still produces one TrackUpdate per detected frame.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STREAMS, subjects } from '@va/common';
import { StreamState } from '@va/proto/va/ingest/v1/ingest';
import { clipStream } from '@va/harness/pipeline/camera-streams';
import type { ServiceName } from '@va/harness/pipeline/service-catalog';
import { waitFor } from '@va/harness/ports';
import { missing, RESULT_KINDS, settledResults, storedCount, type IndexPolicy } from './published-vs-indexed.js';
import { cutClip, PETS09_CLIP, startWholePipeline, type WholePipeline } from '@va/harness/whole-pipeline';

/** Fifteen seconds of PETS09-S2L1 at 7 fps. */
const FRAMES = 105;
/**
 * Everything indexed: this test counts, result by result, that a SIGKILL loses nothing. Under the
 * default policy the path sampler's state is in memory, so which points a restarted indexer
 * samples is not a function of what was published (a track's next point counts as its first).
 */
const INDEX_ALL: IndexPolicy = { detections: true, pathIntervalMs: 0 };

describe('a service killed (SIGKILL) and restarted mid-run loses no indexed result', () => {
  let w: WholePipeline;
  let clip: string;
  before(async () => {
    w = await startWholePipeline('crash', {
      env: { 'embedding-search': { VA_SEARCH_INDEX_DETECTIONS: 'all', VA_SEARCH_PATH_INTERVAL_MS: '0' } },
    });
    clip = await cutClip(w, PETS09_CLIP, FRAMES, 'pets09-first-105');
  });
  after(async () => {
    await w?.dispose();
  });

  /** Waits until `count()` reaches `atLeast`, for the hang guard's message. */
  const reach = (what: string, count: () => Promise<number>, atLeast: number) =>
    waitFor(async () => (await count()) >= atLeast, {
      timeoutMs: 120_000,
      intervalMs: 200,
      what: `${what} to reach ${atLeast}`,
    });

  async function killMidRunAndRestart(
    camera: string,
    victim: ServiceName,
    progress: () => Promise<number>,
  ): Promise<void> {
    await w.addStream(clipStream(camera, clip, { fps: 0, loop: false }));
    const detections = () => storedCount(w.bus, STREAMS.detections.name, subjects.detections(camera));
    await reach(`${victim}'s output for ${camera}`, progress, 20);
    const code = await w.pipeline.kill(victim, 'SIGKILL');
    assert.equal(code, 137, `${victim} was killed, not stopped`);
    // Work piles up upstream while the victim is down (on a very busy machine the clip may end first).
    const before = await detections();
    await waitFor(
      async () =>
        (await detections()) >= before + 10 ||
        (await w.streamStatus(camera))?.state === StreamState.STREAM_STATE_COMPLETED,
      {
        timeoutMs: 120_000,
        intervalMs: 200,
        what: `detections of ${camera} while ${victim} is down`,
      },
    );
    await w.pipeline.restart(victim);
    await w.waitCompleted(camera);
  }

  async function assertIndexedExactlyOnce(camera: string): Promise<void> {
    const { published, indexed } = await settledResults(w.bus, w.es, w.prefix, camera, INDEX_ALL);
    // How many of the frames inference kept depends on the machine's load (stale frames are shed); what is published must all arrive.
    assert.ok(published.messages.detections > 0, `frames detected (${published.messages.detections} of ${FRAMES})`);
    assert.equal(published.detections.size, published.messages.detections, 'each frame stored once on VA_DETECTIONS');
    assert.equal(
      published.trackSequences.length,
      new Set(published.trackSequences).size,
      'each frame’s TrackUpdate stored once on VA_TRACKS',
    );
    assert.deepEqual(
      [...published.detectionSequences].sort((a, b) => a - b),
      [...published.trackSequences].sort((a, b) => a - b),
      'one TrackUpdate for every detected frame',
    );
    for (const kind of RESULT_KINDS) {
      assert.ok(published[kind].size > 0, `${kind} were published`);
      assert.deepEqual(
        {
          indexed: indexed[kind].size,
          notIndexed: missing(published[kind], indexed[kind]),
          notPublished: missing(indexed[kind], published[kind]),
        },
        { indexed: published[kind].size, notIndexed: [], notPublished: [] },
        `${camera} ${kind}: Elasticsearch holds exactly what JetStream holds`,
      );
    }
    assert.equal(indexed.duplicates, 0, 'no document indexed twice');
  }

  it('tracking', async () => {
    const camera = 'pets09-a';
    await killMidRunAndRestart(camera, 'tracking', () =>
      storedCount(w.bus, STREAMS.tracks.name, subjects.tracks(camera)),
    );
    await assertIndexedExactlyOnce(camera);
  });

  it('embedding-search', async () => {
    const camera = 'pets09-b';
    const indexedTrackPoints = async () => {
      await w.es.indices.refresh({ index: `${w.prefix}-detections`, ignore_unavailable: true, allow_no_indices: true });
      return (
        await w.es.count({
          index: `${w.prefix}-detections`,
          ignore_unavailable: true,
          allow_no_indices: true,
          query: { term: { camera_id: camera } },
        })
      ).count;
    };
    await killMidRunAndRestart(camera, 'embedding-search', indexedTrackPoints);
    await assertIndexedExactlyOnce(camera);
    // The camera of the first test is untouched by the second crash: still exactly once.
    await assertIndexedExactlyOnce('pets09-a');
  });
});
