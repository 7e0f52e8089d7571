import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials, status as GrpcStatus, type ClientReadableStream } from '@grpc/grpc-js';
import { createClient, serverStream } from '@va/common';
import { HealthClient } from '@va/proto/grpc/health/v1/health';
import { TrackingServiceClient } from '@va/proto/va/tracking/v1/tracking';
import { waitFor } from '@va/harness/ports';
import { batch, metricValue, person, publishBatch, VIEWER_TOKEN } from '@va/harness/tracking-service';
import { useTrackingFixture } from '../../helpers/tracking-fixture.js';

const PER_CONNECTION = 2;
const PER_SERVER = 3;

type Outcome = { code: number; details: string };

/** An open server stream: the first message it received (if any) and how it ended. */
function track<T>(call: ClientReadableStream<T>) {
  const received: T[] = [];
  call.on('data', (m: T) => received.push(m));
  const ended = new Promise<Outcome>((resolve) => {
    call.on('error', (err: { code?: number; details?: string }) =>
      resolve({ code: err.code ?? -1, details: err.details ?? '' }),
    );
    call.on('end', () => resolve({ code: GrpcStatus.OK, details: '' }));
  });
  return { call, received, ended };
}

describe('concurrent server streams are bounded per connection and per server (real tracking process, real NATS)', () => {
  const t = useTrackingFixture({
    VA_GRPC_MAX_STREAMS_PER_CONNECTION: String(PER_CONNECTION),
    VA_GRPC_MAX_STREAMS: String(PER_SERVER),
  });
  // Two clients on two HTTP/2 connections: grpc-js shares connections between clients unless told not to.
  const connection = () => ({ 'grpc.use_local_subchannel_pool': 1 });
  let tracksA: TrackingServiceClient;
  let healthA: HealthClient;
  let tracksB: TrackingServiceClient;
  const open = () => metricValue(t.svc.httpPort, 'grpc_server_streams_open');
  const refused = (limit: string) =>
    metricValue(t.svc.httpPort, 'grpc_server_streams_refused_total', {
      grpc_service: 'va.tracking.v1.TrackingService',
      grpc_method: 'WatchTracks',
      limit,
    });

  before(() => {
    tracksA = createClient(TrackingServiceClient, { address: t.svc.address, token: VIEWER_TOKEN }, connection());
    // The health client shares connection A: built on the tracking client's channel.
    healthA = new HealthClient(t.svc.address, credentials.createInsecure(), { channelOverride: tracksA.getChannel() });
    tracksB = createClient(TrackingServiceClient, { address: t.svc.address, token: VIEWER_TOKEN }, connection());
  });
  after(() => {
    for (const c of [tracksA, tracksB]) c?.close();
  });

  it('refuses the stream over the connection limit and then the server limit with RESOURCE_EXHAUSTED, and frees a slot when a stream is cancelled', async () => {
    const a1 = track(serverStream(tracksA.watchTracks.bind(tracksA), { cameraIds: ['hall'] }));
    const a2 = track(serverStream(healthA.watch.bind(healthA), { service: '' }));
    await waitFor(async () => (await open()) === PER_CONNECTION, {
      what: `${PER_CONNECTION} streams open on connection A`,
    });

    // Connection A is full: WatchTracks and health Watch alike are refused there.
    const a3 = track(serverStream(tracksA.watchTracks.bind(tracksA), { cameraIds: ['hall'] }));
    const a3End = await a3.ended;
    assert.equal(a3End.code, GrpcStatus.RESOURCE_EXHAUSTED, JSON.stringify(a3End));
    assert.match(a3End.details, /VA_GRPC_MAX_STREAMS_PER_CONNECTION/);
    assert.equal(
      (await track(serverStream(healthA.watch.bind(healthA), { service: '' })).ended).code,
      GrpcStatus.RESOURCE_EXHAUSTED,
    );

    // Connection B may open one more: then the server as a whole is full.
    const b1 = track(serverStream(tracksB.watchTracks.bind(tracksB), { cameraIds: ['hall'] }));
    await waitFor(async () => (await open()) === PER_SERVER, { what: `${PER_SERVER} streams open on the server` });
    const b2End = await track(serverStream(tracksB.watchTracks.bind(tracksB), { cameraIds: ['hall'] })).ended;
    assert.equal(b2End.code, GrpcStatus.RESOURCE_EXHAUSTED, JSON.stringify(b2End));
    assert.match(b2End.details, /VA_GRPC_MAX_STREAMS\b/);
    assert.equal(await refused('connection'), 1, 'WatchTracks refused for the connection limit');
    assert.equal(await refused('server'), 1, 'WatchTracks refused for the server limit');

    // The streams that were accepted work: an update reaches both WatchTracks streams.
    await publishBatch(t.nats, batch('hall', 0, [person(100, 300)]));
    await waitFor(() => a1.received.length >= 1 && b1.received.length >= 1, { what: 'an update on a1 and b1' });
    assert.ok(a2.received.length >= 1, 'health Watch sent the current status');

    // Cancelling one frees its slot on the server and on connection A.
    a1.call.cancel();
    assert.equal((await a1.ended).code, GrpcStatus.CANCELLED);
    await waitFor(async () => (await open()) === PER_SERVER - 1, { what: 'the cancelled stream to free its slot' });
    const again = track(serverStream(tracksA.watchTracks.bind(tracksA), { cameraIds: ['hall'] }));
    await waitFor(async () => (await open()) === PER_SERVER, { what: 'a new stream on connection A accepted' });
    await publishBatch(t.nats, batch('hall', 1, [person(105, 300)]));
    await waitFor(() => again.received.length >= 1, { what: 'an update on the new stream' });

    for (const s of [a2, b1, again]) s.call.cancel();
    await waitFor(async () => (await open()) === 0, { what: 'every stream closed' });
  });
});
