import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { unary, type NatsConnectionHandle } from '@va/common';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import type { SearchEventsRequest, SearchServiceClient, SearchSimilarRequest } from '@va/proto/va/search/v1/search';
import { countDocs, esClient, uniquePrefix } from '@va/harness/elasticsearch';
import { codeOf, outcomeOf } from '../../helpers/grpc.js';
import type { InferenceProcess } from '@va/harness/inference-service';
import { claimDimensions, solidImage } from '../../../services/batching-inference/src/test-support/image-bombs.js';
import { pets09Crops } from '@va/harness/mot15';
import { type TestNatsServer } from '@va/harness/nats-server';
import { publish, trackEvent } from '@va/harness/pipeline-messages';
import { freePort, waitFor } from '@va/harness/ports';
import { startSearchService, type RunningSearchService } from '@va/harness/search-service';
import { startSearchTestBed, type SearchTestBed } from '@va/harness/search-test-bed';

describe('bad queries get INVALID_ARGUMENT; missing dependencies UNAVAILABLE', () => {
  const prefix = uniquePrefix('badq');
  const es = esClient();
  let bed: SearchTestBed;
  let nats: TestNatsServer;
  let inference: InferenceProcess;
  let pub: NatsConnectionHandle;
  let service: RunningSearchService;
  let client: SearchServiceClient;
  let crop: Buffer;

  const similar = (req: Partial<SearchSimilarRequest>) =>
    unary(client.searchSimilar.bind(client), {
      query: { $case: 'image', image: crop },
      filter: undefined,
      k: 0,
      numCandidates: 0,
      model: '',
      ...req,
    });
  const events = (req: Partial<SearchEventsRequest>, c = client) =>
    unary(c.searchEvents.bind(c), {
      filter: undefined,
      types: [],
      trackId: '',
      pageSize: 0,
      pageToken: '',
      oldestFirst: false,
      ...req,
    });

  /** Embed calls that reached the real inference service, whatever their outcome (its own gRPC server metric). */
  const embedCalls = async () => (await inference.metric('grpc_server_started_total', { grpc_method: 'Embed' })) ?? 0;

  before(async () => {
    bed = await startSearchTestBed({ prefix, es, inference: true, env: { VA_SEARCH_MAX_K: '50' } });
    ({ nats, pub, service } = bed);
    inference = bed.inference as InferenceProcess;
    client = service.client();
    for (let i = 0; i < 5; i++)
      await publish.event(
        pub,
        trackEvent('cam-known', `t${i}`, TrackEventType.TRACK_EVENT_TYPE_STARTED, Date.now() - 1000 + i),
      );
    await waitFor(async () => (await countDocs(es, prefix, 'track-events')) === 5, {
      timeoutMs: 30_000,
      what: 'events indexed',
    });
    crop = ((await pets09Crops(100))[0] as { jpeg: Buffer }).jpeg;
  });

  after(async () => {
    await bed?.dispose();
  });

  it('rejects k and num_candidates out of range', async () => {
    assert.equal(await codeOf(similar({ k: 51 })), status.INVALID_ARGUMENT);
    assert.equal(await codeOf(similar({ k: 10, numCandidates: 5 })), status.INVALID_ARGUMENT);
    assert.equal(await codeOf(similar({ k: 10, numCandidates: 100_000 })), status.INVALID_ARGUMENT);
    assert.equal(await codeOf(similar({ k: 50 })), 'OK');
  });

  it('rejects unknown and malformed cameras, bad time ranges and event types', async () => {
    const filter = (f: object) => ({ filter: { cameraIds: [], classNames: [], timeRange: undefined, ...f } });
    assert.equal(await codeOf(events(filter({ cameraIds: ['cam-never-seen'] }))), status.INVALID_ARGUMENT);
    assert.equal(await codeOf(similar(filter({ cameraIds: ['cam-never-seen'] }))), status.INVALID_ARGUMENT);
    assert.equal(await codeOf(events(filter({ cameraIds: ['no spaces/allowed'] }))), status.INVALID_ARGUMENT);
    assert.equal(await codeOf(events(filter({ timeRange: { fromMs: 2_000, toMs: 1_000 } }))), status.INVALID_ARGUMENT);
    assert.equal(await codeOf(events(filter({ classNames: [''] }))), status.INVALID_ARGUMENT);
    assert.equal(
      await codeOf(events({ types: [TrackEventType.TRACK_EVENT_TYPE_UNSPECIFIED] })),
      status.INVALID_ARGUMENT,
    );
    assert.equal(await codeOf(events({ pageSize: 100_000 })), status.INVALID_ARGUMENT);
    assert.equal(await codeOf(events(filter({ cameraIds: ['cam-known'] }))), 'OK');
  });

  it('rejects malformed images before and after the embedder looks at them', async () => {
    const before = await embedCalls();
    assert.equal(
      await codeOf(similar({ query: { $case: 'image', image: Buffer.from('definitely not an image') } })),
      status.INVALID_ARGUMENT,
    );
    assert.equal(await codeOf(similar({ query: { $case: 'image', image: Buffer.alloc(0) } })), status.INVALID_ARGUMENT);
    assert.equal(await embedCalls(), before, 'rejected without a round trip to the inference service');
    // A JPEG header over garbage passes the sniff; the embedder cannot decode it.
    const corrupt = Buffer.concat([crop.subarray(0, 20), Buffer.alloc(400, 0x55)]);
    assert.equal(await codeOf(similar({ query: { $case: 'image', image: corrupt } })), status.INVALID_ARGUMENT);
    assert.equal(await embedCalls(), before + 1, 'the real embedder refused it');
    assert.equal(await codeOf(similar({ query: undefined })), status.INVALID_ARGUMENT);
    assert.equal(await codeOf(similar({ model: 'no-such-model' })), status.INVALID_ARGUMENT);
  });

  it('answers an image bomb with INVALID_ARGUMENT: the real embedder reads its header and refuses it undecoded', async () => {
    const bombs = [
      claimDimensions(await solidImage('webp'), 10_000, 10_000),
      claimDimensions(await solidImage('png'), 20_000, 15_000),
    ];
    for (const image of bombs) {
      const err = await outcomeOf(similar({ query: { $case: 'image', image } }));
      assert.equal(err.code, status.INVALID_ARGUMENT, err.details);
      assert.match(
        err.details,
        /image could not be embedded: .* is \d+x\d+ \(\d+ pixels\); at most 4194304 pixels are accepted/,
      );
    }
    assert.equal(
      await inference.metric('va_inference_image_rejections_total', { source: 'embed', reason: 'too_many_pixels' }),
      2,
    );
    assert.equal(await inference.metric('va_inference_decoded_bytes_in_flight'), 0);
    assert.equal(await codeOf(similar({})), 'OK', 'the next ordinary query is answered');
  });

  it('rejects bad page tokens and track references; unknown tracks are NOT_FOUND', async () => {
    assert.equal(await codeOf(events({ pageToken: 'garbage!' })), status.INVALID_ARGUMENT);
    assert.equal(
      await codeOf(events({ pageToken: Buffer.from('{"v":1}').toString('base64url') })),
      status.INVALID_ARGUMENT,
    );
    const page = await events({ pageSize: 2 });
    assert.notEqual(page.nextPageToken, '');
    assert.equal(await codeOf(events({ pageSize: 2, pageToken: page.nextPageToken })), 'OK');
    assert.equal(
      await codeOf(events({ pageSize: 2, pageToken: page.nextPageToken, trackId: 't1' })),
      status.INVALID_ARGUMENT,
      'a token only continues its own query',
    );
    assert.equal(
      await codeOf(
        unary(client.getTrack.bind(client), {
          cameraId: 'cam-known',
          trackId: 't1',
          pageSize: 0,
          pageToken: page.nextPageToken,
        }),
      ),
      status.INVALID_ARGUMENT,
    );

    assert.equal(
      await codeOf(similar({ query: { $case: 'trackRef', trackRef: 'no-slash' } })),
      status.INVALID_ARGUMENT,
    );
    assert.equal(
      await codeOf(similar({ query: { $case: 'trackRef', trackRef: 'cam-known/' } })),
      status.INVALID_ARGUMENT,
    );
    assert.equal(
      await codeOf(similar({ query: { $case: 'trackRef', trackRef: 'cam-known/nobody' } })),
      status.NOT_FOUND,
    );
    assert.equal(
      await codeOf(
        unary(client.getTrack.bind(client), { cameraId: 'bad camera', trackId: 't1', pageSize: 0, pageToken: '' }),
      ),
      status.INVALID_ARGUMENT,
    );
    assert.equal(
      await codeOf(
        unary(client.getTrack.bind(client), { cameraId: 'cam-known', trackId: 'nobody', pageSize: 0, pageToken: '' }),
      ),
      status.NOT_FOUND,
    );
  });

  it('needs a token; a viewer may search', async () => {
    const anonymous = service.client('');
    assert.equal(await codeOf(events({}, anonymous)), status.UNAUTHENTICATED);
    assert.equal(await codeOf(events({}, service.client())), 'OK');
  });

  it('answers UNAVAILABLE while Elasticsearch or the inference service cannot be reached', async () => {
    const deadPort = await freePort();
    const orphan = await startSearchService({
      natsUrl: nats.url,
      esUrl: `http://127.0.0.1:${deadPort}`,
      prefix,
      waitReady: false,
      env: {
        VA_BATCHING_INFERENCE_GRPC_ADDR: `127.0.0.1:${await freePort()}`,
        ES_REQUEST_TIMEOUT_MS: '2000',
        VA_SEARCH_EMBED_TIMEOUT_MS: '2000',
        VA_SEARCH_CONSUMER_NAME: 'orphan',
      },
    });
    try {
      const ready = await waitFor(
        async () => {
          const r = await orphan.readyz().catch(() => undefined);
          return r?.body.reasons.some((reason) => reason.startsWith('state is')) === false ? r : undefined;
        },
        { timeoutMs: 30_000, what: 'running, but not ready' },
      );
      assert.equal(ready.status, 503);
      assert.ok(
        ready.body.reasons.some((r) => r.startsWith('elasticsearch: Elasticsearch unavailable')),
        JSON.stringify(ready.body),
      );
      const c = orphan.client();
      await waitFor(async () => (await codeOf(events({}, c))) === status.UNAVAILABLE, {
        timeoutMs: 30_000,
        what: 'gRPC up, answering UNAVAILABLE',
      });
      assert.equal(
        await codeOf(unary(c.getTrack.bind(c), { cameraId: 'cam-known', trackId: 't1', pageSize: 0, pageToken: '' })),
        status.UNAVAILABLE,
      );
      // Image queries need the inference service first: it is missing as well.
      assert.equal(
        await codeOf(
          unary(c.searchSimilar.bind(c), {
            query: { $case: 'image', image: crop },
            filter: undefined,
            k: 0,
            numCandidates: 0,
            model: '',
          }),
        ),
        status.UNAVAILABLE,
      );
    } finally {
      assert.equal(await orphan.stop(), 0, 'shuts down cleanly even with Elasticsearch unreachable');
    }
  });
});
