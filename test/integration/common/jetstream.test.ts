import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JsMsg } from 'nats';
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
  type JetStreamLimits,
} from '@va/common';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { natsConfigFor, startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';

const log = createLogger('test', 'silent');
const limits: JetStreamLimits = jetStreamLimits({
  maxAgeMs: 3600_000,
  maxBytes: 64 * 1024 * 1024,
  replicas: 1,
  duplicateWindowMs: 60_000,
});

const batch = (sequence: number) =>
  DetectionBatch.fromPartial({ cameraId: 'cam-1', sequence, captureTsMs: 1_700_000_000_000 + sequence });

async function connect(url: string) {
  return NatsConnectionHandle.connect(natsConfigFor(url, limits), { name: 'test', log });
}

describe('JetStream publish -> durable consumer -> ack (real nats-server)', () => {
  let server: TestNatsServer;
  before(async () => {
    server = await startNatsServer();
    const nats = await connect(server.url);
    await ensureStreams(nats.jsm, ['detections'], limits);
    await ensureStreams(nats.jsm, ['detections'], limits); // idempotent
    await nats.close();
  });
  after(() => server.dispose());

  it('delivers every message in order and leaves nothing unacked', async () => {
    const nats = await connect(server.url);
    for (let i = 0; i < 20; i++) {
      await nats.js.publish(subjects.detections('cam-1'), codecs.detectionBatch.encode(batch(i)), {
        msgID: `cam-1:${i}`,
      });
    }
    // A retried publish with the same id is not stored twice.
    await nats.js.publish(subjects.detections('cam-1'), codecs.detectionBatch.encode(batch(3)), { msgID: 'cam-1:3' });
    const seen: number[] = [];
    const consumer = new DurableConsumer(nats, {
      stream: STREAMS.detections.name,
      durable: 'ordered-reader',
      filterSubject: subjects.detections('*'),
      codec: codecs.detectionBatch,
      metrics: new ConsumerMetrics(createRegistry(), 'va_test_'),
      log,
      handle: (b) => void seen.push(b.sequence),
    });
    await consumer.start();
    await waitFor(() => seen.length === 20, { what: '20 messages' });
    assert.deepEqual(seen, [...Array(20).keys()]);
    await waitFor(async () => (await consumer.lag()) === 0, { what: 'all acked' });
    await consumer.stop();
    await nats.close();
  });

  it('redelivers what a consumer received but never acked before it died', async () => {
    const first = await connect(server.url);
    for (let i = 100; i < 105; i++)
      await first.js.publish(
        subjects.detections('cam-2'),
        codecs.detectionBatch.encode({ ...batch(i), cameraId: 'cam-2' }),
      );
    const options = {
      stream: STREAMS.detections.name,
      durable: 'crashy-reader',
      filterSubject: subjects.detections('cam-2'),
      codec: codecs.detectionBatch,
      log,
      ackWaitMs: 1_000,
    };
    const received: JsMsg[] = [];
    const dying = new DurableConsumer(first, {
      ...options,
      metrics: new ConsumerMetrics(createRegistry(), 'va_test_'),
      ack: 'manual',
      handle: (_b, msg) => void received.push(msg),
    });
    await dying.start();
    await waitFor(() => received.length === 5, { what: 'first delivery' });
    await first.close(); // the process "dies": no acks were sent
    await dying.stop(); // only releases this test process's timers; the server saw no acks

    const second = await connect(server.url);
    const redelivered: Array<{ sequence: number; count: number }> = [];
    const survivor = new DurableConsumer(second, {
      ...options,
      metrics: new ConsumerMetrics(createRegistry(), 'va_test_'),
      handle: (b, msg) => void redelivered.push({ sequence: b.sequence, count: msg.info.redeliveryCount }),
    });
    await survivor.start();
    await waitFor(() => redelivered.length === 5, { timeoutMs: 15_000, what: 'redelivery' });
    assert.deepEqual(
      redelivered.map((r) => r.sequence),
      [100, 101, 102, 103, 104],
    );
    assert.ok(
      redelivered.every((r) => r.count >= 2),
      'delivered a second time',
    );
    await waitFor(async () => (await survivor.lag()) === 0, { what: 'acked after redelivery' });
    await survivor.stop();
    await second.close();
  });
});
