import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { serverStream, type NatsConnectionHandle } from '@va/common';
import { TrackEventType, type TrackEvent } from '@va/proto/va/common/v1/track';
import type { SearchServiceClient, WatchEventsRequest } from '@va/proto/va/search/v1/search';
import { esClient, uniquePrefix } from '@va/harness/elasticsearch';
import { publish, trackEvent } from '@va/harness/pipeline-messages';
import { sleep, waitFor } from '@va/harness/ports';
import { metricValue, type RunningSearchService } from '@va/harness/search-service';
import { startSearchTestBed, type SearchTestBed } from '@va/harness/search-test-bed';

interface Watch {
  received: TrackEvent[];
  ended: Promise<{ code: number | 'end' }>;
  stream: ClientReadableStream<TrackEvent>;
}

function watch(client: SearchServiceClient, req: Partial<WatchEventsRequest>): Watch {
  const stream = serverStream(client.watchEvents.bind(client), { filter: undefined, types: [], ...req });
  const received: TrackEvent[] = [];
  stream.on('data', (e: TrackEvent) => received.push(e));
  const ended = new Promise<{ code: number | 'end' }>((resolve) => {
    stream.on('error', (err: { code: number }) => resolve({ code: err.code }));
    stream.on('end', () => resolve({ code: 'end' }));
  });
  return { received, ended, stream };
}

describe('WatchEvents: a live stream of track events', () => {
  const prefix = uniquePrefix('watch');
  const es = esClient();
  let bed: SearchTestBed;
  let pub: NatsConnectionHandle;
  let service: RunningSearchService;

  before(async () => {
    bed = await startSearchTestBed({ prefix, es });
    ({ pub, service } = bed);
  });

  after(() => bed?.dispose());

  it('delivers matching events as they are published and ends on cancel', async () => {
    const w = watch(service.client(), {
      filter: { cameraIds: ['cam-w1'], classNames: ['person'], timeRange: undefined },
      types: [TrackEventType.TRACK_EVENT_TYPE_STARTED],
    });
    await waitFor(async () => metricValue(await service.metrics(), 'va_search_watch_streams') === 1, {
      what: 'stream open',
    });
    await sleep(200);
    const now = Date.now();
    await publish.event(
      pub,
      trackEvent('cam-w1', 'a', TrackEventType.TRACK_EVENT_TYPE_STARTED, now, { eventId: 'w-1' }),
    );
    await publish.event(
      pub,
      trackEvent('cam-w1', 'b', TrackEventType.TRACK_EVENT_TYPE_ENDED, now + 1, { eventId: 'w-2' }),
    );
    await publish.event(
      pub,
      trackEvent('cam-w2', 'c', TrackEventType.TRACK_EVENT_TYPE_STARTED, now + 2, { eventId: 'w-3' }),
    );
    await publish.event(
      pub,
      trackEvent('cam-w1', 'd', TrackEventType.TRACK_EVENT_TYPE_STARTED, now + 3, { eventId: 'w-4', className: 'car' }),
    );
    await publish.event(
      pub,
      trackEvent('cam-w1', 'e', TrackEventType.TRACK_EVENT_TYPE_STARTED, now + 4, { eventId: 'w-5' }),
    );
    await waitFor(() => w.received.length >= 2, { timeoutMs: 10_000, what: 'two matching events' });
    await sleep(300);
    assert.deepEqual(
      w.received.map((e) => e.eventId),
      ['w-1', 'w-5'],
    );
    assert.equal(w.received[0]?.trackId, 'a');

    w.stream.cancel();
    assert.equal((await w.ended).code, status.CANCELLED);
    await waitFor(async () => metricValue(await service.metrics(), 'va_search_watch_streams') === 0, {
      what: 'server side closed the stream',
    });
  });

  it('ends open streams with UNAVAILABLE when the service shuts down, and exits 0', async () => {
    const w = watch(service.client(), {});
    await waitFor(async () => metricValue(await service.metrics(), 'va_search_watch_streams') === 1, {
      what: 'stream open',
    });
    await publish.event(
      pub,
      trackEvent('cam-w3', 'z', TrackEventType.TRACK_EVENT_TYPE_LOST, Date.now(), { eventId: 'w-6' }),
    );
    await waitFor(() => w.received.length === 1, { what: 'an event from any camera' });
    const exit = service.proc.stop();
    assert.equal((await w.ended).code, status.UNAVAILABLE);
    assert.equal(await exit, 0);
  });
});
