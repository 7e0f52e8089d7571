import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { createClient, serverStream, unary } from '@va/common';
import type { TrackUpdate } from '@va/proto/va/common/v1/track';
import { TrackingServiceClient } from '@va/proto/va/tracking/v1/tracking';
import { codeOf } from '../../helpers/grpc.js';
import { waitFor } from '@va/harness/ports';
import { batch, metricValue, person, publishBatch, VIEWER_TOKEN } from '@va/harness/tracking-service';
import { useTrackingFixture } from '../../helpers/tracking-fixture.js';

/** Collects a WatchTracks stream until it ends; resolves with what came and the status code. */
function watch(client: TrackingServiceClient, cameraIds: string[]) {
  const call = serverStream(client.watchTracks.bind(client), { cameraIds });
  const received: TrackUpdate[] = [];
  call.on('data', (u: TrackUpdate) => received.push(u));
  const ended = new Promise<number>((resolve) => {
    call.on('error', (err: { code?: number }) => resolve(err.code ?? -1));
    call.on('end', () => resolve(GrpcStatus.OK));
  });
  return { call, received, ended };
}

describe('WatchTracks and GetTracks (real NATS, real process)', () => {
  const t = useTrackingFixture();
  let client: TrackingServiceClient;
  before(async () => {
    client = createClient(TrackingServiceClient, { address: t.svc.address, token: VIEWER_TOKEN });
  });
  after(() => {
    client?.close();
  });

  it('streams the updates of the cameras asked for, in order, and ends cleanly when the client cancels', async () => {
    const w = watch(client, ['hall']);
    await waitFor(async () => (await metricValue(t.svc.httpPort, 'va_tracking_watch_streams')) === 1, {
      what: 'stream open',
    });
    for (let q = 0; q < 10; q++) {
      await publishBatch(t.nats, batch('hall', q, [person(100 + 5 * q, 300)]));
      await publishBatch(t.nats, batch('yard', q, [person(500, 300)]));
    }
    await waitFor(() => w.received.length >= 10, { what: '10 updates' });
    assert.deepEqual(
      w.received.map((u) => [u.cameraId, u.sequence]),
      [...Array(10).keys()].map((q) => ['hall', q]),
    );
    w.call.cancel();
    assert.equal(await w.ended, GrpcStatus.CANCELLED);
    await waitFor(async () => (await metricValue(t.svc.httpPort, 'va_tracking_watch_streams')) === 0, {
      what: 'server side closed',
    });
  });

  it('GetTracks answers the latest update, NOT_FOUND for an unknown camera, INVALID_ARGUMENT for a bad id', async () => {
    await waitFor(
      async () => (await unary(client.getTracks.bind(client), { cameraId: 'yard' })).latest?.sequence === 9,
      { what: 'latest yard update' },
    );
    assert.equal(await codeOf(unary(client.getTracks.bind(client), { cameraId: 'nowhere' })), GrpcStatus.NOT_FOUND);
    assert.equal(await codeOf(unary(client.getTracks.bind(client), { cameraId: 'a/b' })), GrpcStatus.INVALID_ARGUMENT);
    const bad = watch(client, ['ok', 'not ok']);
    assert.equal(await bad.ended, GrpcStatus.INVALID_ARGUMENT);
  });

  it('an open stream ends with UNAVAILABLE when the service shuts down, and the service exits 0', async () => {
    const w = watch(client, []);
    await waitFor(async () => (await metricValue(t.svc.httpPort, 'va_tracking_watch_streams')) === 1, {
      what: 'stream open',
    });
    await publishBatch(t.nats, batch('yard', 10, [person(500, 300)]));
    await waitFor(() => w.received.length >= 1, { what: 'an update from any camera' });
    t.svc.proc.kill('SIGTERM');
    assert.equal(await w.ended, GrpcStatus.UNAVAILABLE);
    assert.equal(await t.svc.proc.exited, 0);
  });
});
