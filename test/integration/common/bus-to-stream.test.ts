import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  codecs,
  ConsumerMetrics,
  createLogger,
  createRegistry,
  jetStreamLimits,
  NatsConnectionHandle,
  streamFromBus,
  subjects,
  type StreamSink,
} from '@va/common';
import { TrackEvent } from '@va/proto/va/common/v1/track';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';

const CAMERA = 'cam-watch';

/** A caller that reads nothing until `release()`: what a slow gRPC client looks like to the server. */
function slowSink<T>() {
  const written: T[] = [];
  const controller = new AbortController();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const sink: StreamSink<T> = {
    signal: controller.signal,
    write: async (m) => {
      written.push(m);
      await released;
    },
  };
  return { sink, written, release, cancel: () => controller.abort() };
}

describe('streamFromBus: live bus messages to one server stream (real NATS)', () => {
  let server: TestNatsServer;
  let nats: NatsConnectionHandle;
  before(async () => {
    server = await startNatsServer();
    nats = await NatsConnectionHandle.connect(
      server.config(
        jetStreamLimits({ maxAgeMs: 3600_000, maxBytes: 64 * 1024 * 1024, replicas: 1, duplicateWindowMs: 60_000 }),
      ),
      { name: 'test', log: createLogger('test', 'silent') },
    );
  });
  after(async () => {
    await nats?.close();
    await server?.dispose();
  });

  it('a slow caller gets the newest messages in order, the oldest queued are dropped and counted, malformed ones skipped and counted, filtered ones never queued', async () => {
    const registry = createRegistry();
    const consumerMetrics = new ConsumerMetrics(registry, 'test_');
    const caller = slowSink<TrackEvent>();
    let dropped = 0;
    const done = streamFromBus({
      nc: nats.nc,
      subjects: [subjects.trackEvents(CAMERA)],
      codec: codecs.trackEvent,
      sink: caller.sink,
      queueLimit: 3,
      onDrop: () => dropped++,
      accept: (e) => Number(e.trackId) % 2 === 0,
      consumerMetrics,
    });
    await nats.nc.flush();
    const event = (n: number) =>
      TrackEvent.encode(
        TrackEvent.fromPartial({
          eventId: `e${n}`,
          cameraId: CAMERA,
          trackId: String(n),
          className: 'person',
          tsMs: 1_000 + n,
        }),
      ).finish();
    nats.nc.publish(subjects.trackEvents(CAMERA), event(0));
    await waitFor(() => caller.written.length === 1, { what: 'the first event handed to the caller' });
    // The caller is stuck on event 0: even ids 2..20 queue (odd ids are filtered out), one garbage message.
    for (let id = 1; id <= 20; id++) nats.nc.publish(subjects.trackEvents(CAMERA), event(id));
    nats.nc.publish(subjects.trackEvents(CAMERA), new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    await nats.nc.flush();
    await waitFor(
      async () =>
        dropped === 7 &&
        ((await registry.getSingleMetric('test_malformed_messages_total')?.get())?.values[0]?.value ?? 0) === 1,
      {
        what: '7 drops and 1 malformed counted',
      },
    );
    assert.equal(
      (await registry.getSingleMetric('test_messages_received_total')?.get())?.values.length ?? 0,
      0,
      'watch copies are not counted as consumption',
    );
    caller.release();
    await waitFor(() => caller.written.length === 4, { what: 'the queued events written' });
    assert.deepEqual(
      caller.written.map((e) => e.trackId),
      ['0', '16', '18', '20'],
    );
    caller.cancel();
    await done;
    // Unsubscribed once the call ended: nothing more is written.
    nats.nc.publish(subjects.trackEvents(CAMERA), event(22));
    await nats.nc.flush();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(caller.written.length, 4);
  });
});
