import assert from 'node:assert/strict';
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
  type JetStreamLimits,
} from '@va/common';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { MetricSet } from '@va/harness/prometheus-text';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';

const log = createLogger('test', 'silent');
const MAX_DELIVER = 3;
const limits: JetStreamLimits = jetStreamLimits({
  maxAgeMs: 3600_000,
  maxBytes: 64 * 1024 * 1024,
  replicas: 1,
  duplicateWindowMs: 60_000,
  maxDeliver: MAX_DELIVER,
});
const batch = (camera: string, sequence: number) =>
  DetectionBatch.fromPartial({ cameraId: camera, sequence, captureTsMs: 1_700_000_000_000 + sequence });

/** A consumer whose handler always throws on sequence 13 (a poison message) and handles the rest. */
function poisonedConsumer(nats: NatsConnectionHandle, camera: string, registry = createRegistry()) {
  const deliveries = new Map<number, number>();
  const consumer = new DurableConsumer(nats, {
    stream: STREAMS.detections.name,
    durable: `poisoned-${camera}`,
    filterSubject: subjects.detections(camera),
    codec: codecs.detectionBatch,
    metrics: new ConsumerMetrics(registry, 'va_test_'),
    log,
    // No maxDeliver: the consumer takes the connection's VA_JS_MAX_DELIVER (limits.maxDeliver).
    deadLetterKind: 'test-detections',
    nakDelayMs: 20,
    handle: (b) => {
      deliveries.set(b.sequence, (deliveries.get(b.sequence) ?? 0) + 1);
      if (b.sequence === 13) throw new Error('cannot handle frame 13: index rejected the document');
    },
  });
  return { consumer, deliveries, metrics: async () => MetricSet.parse(await registry.metrics()) };
}

/** Dead letters stored on one subject. */
async function deadLettersOn(nats: NatsConnectionHandle, subject: string): Promise<number> {
  return (
    (await nats.jsm.streams.info(STREAMS.deadLetters.name, { subjects_filter: subject })).state.subjects?.[subject] ?? 0
  );
}

describe('poison messages end in VA_DEAD_LETTERS (real nats-server)', () => {
  let server: TestNatsServer;
  let nats: NatsConnectionHandle;
  before(async () => {
    server = await startNatsServer();
    nats = await NatsConnectionHandle.connect(server.config(limits), { name: 'test', log });
    await ensureStreams(nats.jsm, ['detections', 'deadLetters'], limits);
  });
  after(async () => {
    await nats?.close();
    await server?.dispose();
  });

  it('a message whose handler keeps failing is delivered VA_JS_MAX_DELIVER times, dead-lettered with its reason, counted, and not redelivered', async () => {
    const camera = 'poison-1';
    const { consumer, deliveries, metrics } = poisonedConsumer(nats, camera);
    for (const q of [12, 13])
      await nats.js.publish(subjects.detections(camera), codecs.detectionBatch.encode(batch(camera, q)));
    await consumer.start();
    const deadLetter = subjects.deadLetter('test-detections', camera);
    await waitFor(async () => (await deadLettersOn(nats, deadLetter)) === 1, { what: 'the dead letter' });

    const stored = await nats.jsm.streams.getMessage(STREAMS.deadLetters.name, { last_by_subj: deadLetter });
    assert.equal(codecs.detectionBatch.decode(stored.data).sequence, 13, 'the original bytes');
    const h = stored.header;
    assert.match(h.get('Va-Reason'), /cannot handle frame 13/);
    assert.equal(h.get('Va-Error-Type'), 'Error');
    assert.equal(h.get('Va-Source-Stream'), STREAMS.detections.name);
    assert.equal(h.get('Va-Source-Subject'), subjects.detections(camera));
    assert.equal(h.get('Va-Source-Seq'), '2');
    assert.equal(h.get('Va-Deliveries'), String(MAX_DELIVER));
    assert.equal(h.get('Va-Consumer'), `poisoned-${camera}`);
    assert.equal((await metrics()).sum('va_test_dead_lettered_total', { reason: 'handler_error' }), 1);

    // Terminated: nothing left pending, and a later message is handled while 13 is not seen again.
    await waitFor(
      async () => (await nats.jsm.consumers.info(STREAMS.detections.name, `poisoned-${camera}`)).num_ack_pending === 0,
      { what: 'nothing pending' },
    );
    await nats.js.publish(subjects.detections(camera), codecs.detectionBatch.encode(batch(camera, 14)));
    await waitFor(() => deliveries.get(14) === 1, { what: 'frame 14 handled' });
    assert.deepEqual(
      [...deliveries],
      [
        [12, 1],
        [13, MAX_DELIVER],
        [14, 1],
      ],
    );
    const info = await nats.jsm.consumers.info(STREAMS.detections.name, `poisoned-${camera}`);
    assert.equal(info.config.max_deliver, MAX_DELIVER);
    assert.equal(info.num_ack_pending + info.num_pending, 0);
    await consumer.stop();
  });

  it('a message never acknowledged (the handler hangs, ack_wait passes each time) is dead-lettered from the max-deliveries advisory', async () => {
    const camera = 'poison-3';
    const registry = createRegistry();
    let deliveries = 0;
    const consumer = new DurableConsumer(nats, {
      stream: STREAMS.detections.name,
      durable: `hanging-${camera}`,
      filterSubject: subjects.detections(camera),
      codec: codecs.detectionBatch,
      metrics: new ConsumerMetrics(registry, 'va_test_'),
      log,
      ack: 'manual',
      ackWaitMs: 1_000,
      maxDeliver: 2,
      deadLetterKind: 'test-detections',
      handle: () => void deliveries++, // never acks, never fails
    });
    await nats.js.publish(subjects.detections(camera), codecs.detectionBatch.encode(batch(camera, 7)));
    await consumer.start();
    try {
      const deadLetter = subjects.deadLetter('test-detections', camera);
      await waitFor(async () => (await deadLettersOn(nats, deadLetter)) === 1, {
        timeoutMs: 20_000,
        what: 'the dead letter',
      });
      const stored = await nats.jsm.streams.getMessage(STREAMS.deadLetters.name, { last_by_subj: deadLetter });
      assert.equal(codecs.detectionBatch.decode(stored.data).sequence, 7);
      assert.equal(stored.header.get('Va-Reason'), 'not acknowledged after 2 deliveries');
      assert.equal(stored.header.get('Va-Error-Type'), 'max_deliveries');
      assert.equal(stored.header.get('Va-Consumer'), `hanging-${camera}`);
      await waitFor(
        async () =>
          MetricSet.parse(await registry.metrics()).sum('va_test_dead_lettered_total', {
            reason: 'not_acknowledged',
          }) === 1,
        { what: 'counted' },
      );
      assert.equal(deliveries, 2);
    } finally {
      await consumer.stop();
    }
  });

  it('when VA_DEAD_LETTERS does not take it, the message is not terminated: it stays in its stream and the failure is counted', async () => {
    const camera = 'poison-2';
    await nats.jsm.streams.delete(STREAMS.deadLetters.name);
    try {
      const { consumer, deliveries, metrics } = poisonedConsumer(nats, camera);
      await nats.js.publish(subjects.detections(camera), codecs.detectionBatch.encode(batch(camera, 13)));
      await consumer.start();
      await waitFor(async () => (await metrics()).sum('va_test_dead_letter_failures_total') === 1, {
        what: 'the failed dead letter counted',
      });
      assert.equal(deliveries.get(13), MAX_DELIVER);
      assert.equal((await metrics()).sum('va_test_dead_lettered_total'), 0);
      const info = await nats.jsm.consumers.info(STREAMS.detections.name, `poisoned-${camera}`);
      assert.equal(
        info.ack_floor.stream_seq < info.delivered.stream_seq,
        true,
        `acknowledged or terminated: ${JSON.stringify(info.ack_floor)}`,
      );
      const kept = await nats.jsm.streams.getMessage(STREAMS.detections.name, {
        last_by_subj: subjects.detections(camera),
      });
      assert.equal(codecs.detectionBatch.decode(kept.data).sequence, 13);
      await consumer.stop();
    } finally {
      await ensureStreams(nats.jsm, ['deadLetters'], limits);
    }
  });
});
