import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  codecs,
  ConsumerMetrics,
  createLogger,
  createRegistry,
  DurableConsumer,
  ensureStreams,
  jetStreamLimits,
  NatsConnectionHandle,
  STREAMS,
  subjects,
  subscribeDecoded,
  type JetStreamLimits,
} from '@va/common';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { Frame } from '@va/proto/va/common/v1/frame';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';

const limits: JetStreamLimits = jetStreamLimits({
  maxAgeMs: 3600_000,
  maxBytes: 64 * 1024 * 1024,
  replicas: 1,
  duplicateWindowMs: 60_000,
});

/** Captures log lines so the test can see what an operator would see. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('test', 'info', {
    write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>),
  });
  return { log, lines };
}

async function value(registry: ReturnType<typeof createRegistry>, name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

describe('malformed protobuf on the bus is logged, counted and skipped', () => {
  let server: TestNatsServer;
  let nats: NatsConnectionHandle;
  before(async () => {
    server = await startNatsServer();
    nats = await NatsConnectionHandle.connect(server.config(limits), {
      name: 'test',
      log: createLogger('t', 'silent'),
    });
    await ensureStreams(nats.jsm, ['detections'], limits);
  });
  after(async () => {
    await nats.close();
    await server.dispose();
  });

  it('core subscription (frames): garbage is skipped and good frames keep flowing', async () => {
    const registry = createRegistry();
    const { log, lines } = capturingLogger();
    const got: number[] = [];
    const sub = subscribeDecoded(nats.nc, {
      subject: subjects.frames('*'),
      codec: codecs.frame,
      metrics: new ConsumerMetrics(registry, 'va_test_'),
      log,
      handle: (f) => void got.push(f.sequence),
    });
    const good = (sequence: number) =>
      codecs.frame.encode(
        Frame.fromPartial({ cameraId: 'cam-1', sequence, width: 2, height: 2, pixels: new Uint8Array(12) }),
      );
    nats.nc.publish(subjects.frames('cam-1'), good(1));
    nats.nc.publish(subjects.frames('cam-1'), randomBytes(300));
    nats.nc.publish(subjects.frames('cam-1'), new Uint8Array([0x0a, 0xff]));
    nats.nc.publish(subjects.frames('cam-1'), good(2));
    await waitFor(() => got.length === 2, { what: 'good frames' });
    assert.deepEqual(got, [1, 2]);
    assert.equal(await value(registry, 'va_test_malformed_messages_total'), 2);
    const warn = lines.find((l) => l.msg === 'malformed message skipped');
    assert.ok(warn, 'a warning is logged');
    assert.equal(warn.subject, 'va.frames.cam-1');
    sub.unsubscribe();
  });

  it('durable consumer (detections): garbage is terminated, not redelivered, and the rest is processed', async () => {
    const registry = createRegistry();
    const { log } = capturingLogger();
    const got: number[] = [];
    await nats.js.publish(
      subjects.detections('cam-7'),
      codecs.detectionBatch.encode(DetectionBatch.fromPartial({ cameraId: 'cam-7', sequence: 1 })),
    );
    await nats.js.publish(subjects.detections('cam-7'), randomBytes(64));
    await nats.js.publish(
      subjects.detections('cam-7'),
      codecs.detectionBatch.encode(DetectionBatch.fromPartial({ cameraId: 'cam 7 with spaces', sequence: 9 })),
    );
    await nats.js.publish(
      subjects.detections('cam-7'),
      codecs.detectionBatch.encode(DetectionBatch.fromPartial({ cameraId: 'cam-7', sequence: 2 })),
    );
    const consumer = new DurableConsumer(nats, {
      stream: STREAMS.detections.name,
      durable: 'malformed-test',
      filterSubject: subjects.detections('cam-7'),
      codec: codecs.detectionBatch,
      metrics: new ConsumerMetrics(registry, 'va_test_'),
      log,
      ackWaitMs: 1_000,
      handle: (b) => void got.push(b.sequence),
    });
    await consumer.start();
    await waitFor(() => got.length === 2, { what: 'good batches' });
    await waitFor(async () => (await consumer.lag()) === 0, { what: 'nothing pending' });
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // past ack_wait: terminated messages stay gone
    assert.deepEqual(got, [1, 2]);
    assert.equal(await value(registry, 'va_test_malformed_messages_total'), 2);
    await consumer.stop();
  });
});
