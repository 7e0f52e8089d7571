import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, connect, type NatsConnection } from 'nats';
import {
  createLogger,
  ensureStreams,
  jetStreamLimits,
  NatsConnectionHandle,
  STREAMS,
  type BusIdentity,
  type JetStreamLimits,
} from '@va/common';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';

// A nats-server started with the permissions of services/common/src/nats/bus-identities.ts,
// as every deployment runs it: who may connect, publish, subscribe and manage JetStream.

const data = new Uint8Array([1, 2, 3]);

/** 'denied' when the server refuses the publish, 'allowed' when it took it (stored, or nobody listening). */
async function tryPublish(nc: NatsConnection, subject: string): Promise<'allowed' | 'denied'> {
  try {
    await nc.request(subject, data, { timeout: 3_000 });
    return 'allowed';
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'PERMISSIONS_VIOLATION') return 'denied';
    // 503: no responder (core subject); TIMEOUT: nobody answered. Either way the server accepted it.
    if (code === '503' || code === 'TIMEOUT') return 'allowed';
    throw err;
  }
}

/** 'denied' when the server refuses the subscription. */
async function trySubscribe(nc: NatsConnection, subject: string): Promise<'allowed' | 'denied'> {
  const refused = new Promise<'denied'>((resolve) => {
    nc.subscribe(subject, {
      callback: (err) => {
        if ((err as { code?: string } | null)?.code === 'PERMISSIONS_VIOLATION') resolve('denied');
      },
    });
  });
  // The server answers a refused SUB with -ERR before the PONG of this flush.
  const settled = nc
    .flush()
    .then(() => nc.flush())
    .then(() => 'allowed' as const);
  return Promise.race([refused, settled]);
}

describe('NATS users and permissions (real nats-server with the generated configuration)', () => {
  let server: TestNatsServer;
  const open: NatsConnection[] = [];
  const as = async (identity: BusIdentity) => {
    const nc = await connect({ ...server.clientOptions(identity), name: `test-${identity}` });
    open.push(nc);
    return nc;
  };

  before(async () => {
    server = await startNatsServer();
    const admin = await as('admin');
    const jsm = await admin.jetstreamManager();
    // A durable another service owns, for the delete attempts below.
    for (const stream of [STREAMS.detections.name, STREAMS.tracks.name, STREAMS.flags.name]) {
      await jsm.consumers.add(stream, { durable_name: 'someone-elses', ack_policy: AckPolicy.Explicit });
    }
  });
  after(async () => {
    // The refusals above are in the server's log, naming the user and subject.
    assert.ok(
      server.permissionViolations().some((l) => /Publish Violation.*"va\.tracks\.cam-1"/.test(l)),
      server.permissionViolations().join('\n'),
    );
    await Promise.all(open.map((nc) => nc.close()));
    await server.dispose();
  });

  it('refuses a connection without credentials, and one with a wrong password', async () => {
    await assert.rejects(
      connect({ servers: server.url, reconnect: false }),
      (err: { code?: string }) => err.code === 'AUTHORIZATION_VIOLATION',
    );
    await assert.rejects(
      connect({ servers: server.url, reconnect: false, user: 'tracking', pass: 'not-the-password' }),
      (err: { code?: string }) => err.code === 'AUTHORIZATION_VIOLATION',
    );
  });

  // Per identity: subjects it must be able to publish, and subjects it must not.
  const publishing: Record<Exclude<BusIdentity, 'admin'>, { allowed: string[]; denied: string[] }> = {
    ingest: {
      allowed: ['va.frames.cam-1'],
      denied: [
        'va.detections.cam-1',
        'va.tracks.cam-1',
        'va.flags.cam-1',
        'va.frames.cam-1.extra',
        'va.evidence-frame.cam-1',
        '$JS.API.STREAM.CREATE.VA_FAKE',
        '$KV.va_tracking_leases.cam-1',
        '_INBOX_sanity-check.x',
      ],
    },
    'batching-inference': {
      allowed: ['va.detections.cam-1'],
      denied: [
        'va.tracks.cam-1',
        'va.track-events.cam-1',
        'va.frames.cam-1',
        'va.flags.cam-1',
        '$JS.API.STREAM.PURGE.VA_DETECTIONS',
        `$JS.API.CONSUMER.CREATE.${STREAMS.tracks.name}`,
      ],
    },
    tracking: {
      allowed: ['va.tracks.cam-1', 'va.track-events.cam-1'],
      denied: [
        'va.detections.cam-1',
        'va.flags.cam-1',
        'va.reviews.cam-1',
        'va.frames.cam-1',
        '$JS.API.STREAM.UPDATE.VA_TRACKS',
        '$KV.va_ingest_streams.cam-1',
      ],
    },
    'embedding-search': {
      allowed: ['va.deadletter.search-detections.cam-1'],
      denied: [
        'va.detections.cam-1',
        'va.tracks.cam-1',
        'va.flags.cam-1',
        'va.reviews.cam-1',
        '$JS.API.STREAM.PURGE.VA_FLAGS',
      ],
    },
    'sanity-check': {
      allowed: [
        'va.flags.cam-1',
        'va.reviews.cam-1',
        'va.deadletter.sanity-detections.cam-1',
        'va.evidence-frame.cam-1',
      ],
      denied: [
        'va.detections.cam-1',
        'va.tracks.cam-1',
        'va.frames.cam-1',
        '$JS.API.STREAM.CREATE.KV_va_ingest_streams',
      ],
    },
    observer: { allowed: [], denied: ['va.frames.cam-1', 'va.detections.cam-1', 'va.flags.cam-1', '$JS.API.INFO'] },
  };

  for (const [identity, { allowed, denied }] of Object.entries(publishing) as Array<
    [BusIdentity, { allowed: string[]; denied: string[] }]
  >) {
    it(`${identity} publishes only its own subjects`, async () => {
      const nc = await as(identity);
      const outcome = async (subjects: string[]) =>
        Object.fromEntries(await Promise.all(subjects.map(async (s) => [s, await tryPublish(nc, s)] as const)));
      assert.deepEqual(
        await outcome(allowed),
        Object.fromEntries(allowed.map((s) => [s, 'allowed'])),
        `${identity} must be able to publish these`,
      );
      assert.deepEqual(
        await outcome(denied),
        Object.fromEntries(denied.map((s) => [s, 'denied'])),
        `${identity} must not publish these`,
      );
    });
  }

  for (const identity of [
    'ingest',
    'batching-inference',
    'tracking',
    'embedding-search',
    'sanity-check',
    'observer',
  ] as const) {
    it(`${identity} cannot delete a stream or another service's consumer`, async () => {
      const nc = await as(identity);
      for (const stream of Object.values(STREAMS).map((s) => s.name)) {
        assert.equal(
          await tryPublish(nc, `$JS.API.STREAM.DELETE.${stream}`),
          'denied',
          `${identity} deleting ${stream}`,
        );
      }
      for (const stream of [STREAMS.tracks.name, STREAMS.flags.name]) {
        assert.equal(
          await tryPublish(nc, `$JS.API.CONSUMER.DELETE.${stream}.someone-elses`),
          'denied',
          `${identity} deleting a consumer of ${stream}`,
        );
      }
      // Only tracking hands its per-camera durables over (delete + recreate), on VA_DETECTIONS alone.
      const detections = await tryPublish(nc, `$JS.API.CONSUMER.DELETE.${STREAMS.detections.name}.someone-elses`);
      assert.equal(
        detections,
        identity === 'tracking' ? 'allowed' : 'denied',
        `${identity} deleting a consumer of VA_DETECTIONS`,
      );
    });
  }

  it("a service cannot read what it does not consume, nor anyone else's replies", async () => {
    const ingest = await as('ingest');
    assert.equal(await trySubscribe(ingest, 'va.detections.*'), 'denied');
    assert.equal(await trySubscribe(ingest, '_INBOX.>'), 'denied');
    const tracking = await as('tracking');
    assert.equal(await trySubscribe(tracking, 'va.frames.*'), 'denied');
    assert.equal(await trySubscribe(tracking, '_INBOX_embedding-search.>'), 'denied');
    // Raw frames go to the detector only; ingest serves evidence frames on request.
    const sanity = await as('sanity-check');
    assert.equal(await trySubscribe(sanity, 'va.frames.*'), 'denied');
    assert.equal(await trySubscribe(ingest, 'va.evidence-frame.*'), 'allowed');
    assert.equal(await trySubscribe(sanity, 'va.evidence-frame.*'), 'denied');
    const observer = await as('observer');
    assert.equal(await trySubscribe(observer, 'va.frames.*'), 'denied');
    assert.equal(await trySubscribe(observer, 'va.detections.*'), 'allowed');
  });

  it('a service identity uses the streams as its service does: publish with acks, consume its durable, but not manage streams', async () => {
    const inference = await as('batching-inference');
    const ack = await inference.jetstream().publish('va.detections.cam-2', data, { msgID: 'auth-probe-1' });
    assert.equal(ack.stream, STREAMS.detections.name);
    const jsm = await inference.jetstreamManager();
    await assert.rejects(
      jsm.streams.delete(STREAMS.detections.name),
      (err: { code?: string }) => err.code === 'PERMISSIONS_VIOLATION',
    );

    const tracking = await as('tracking');
    const tjsm = await tracking.jetstreamManager();
    await tjsm.consumers.add(STREAMS.detections.name, {
      durable_name: 'tracking-auth-probe',
      ack_policy: AckPolicy.Explicit,
      filter_subject: 'va.detections.cam-2',
    });
    const consumer = await tracking.jetstream().consumers.get(STREAMS.detections.name, 'tracking-auth-probe');
    const msg = await consumer.next({ expires: 5_000 });
    assert.equal(msg?.subject, 'va.detections.cam-2');
    msg?.ack();
    await assert.rejects(
      tjsm.consumers.add(STREAMS.flags.name, { durable_name: 'tracking-not-mine', ack_policy: AckPolicy.Explicit }),
      (err: { code?: string }) => err.code === 'PERMISSIONS_VIOLATION',
    );
  });

  it('a service finds a stream nobody provisioned a clear start-up error, and one provisioned with other limits reported, not changed', async () => {
    const bare = await startNatsServer({ provision: false });
    const limits: JetStreamLimits = jetStreamLimits({
      maxAgeMs: 3600_000,
      maxBytes: 64 * 1024 * 1024,
      replicas: 1,
      duplicateWindowMs: 60_000,
    });
    const log = createLogger('test', 'silent');
    const admin = await NatsConnectionHandle.connect(bare.config(limits, 'admin'), { name: 'admin', log });
    const tracking = await NatsConnectionHandle.connect(bare.config(limits, 'tracking'), { name: 'tracking', log });
    try {
      await assert.rejects(
        ensureStreams(tracking.jsm, ['tracks'], limits, { verifyOnly: true }),
        /stream VA_TRACKS does not exist and this NATS user may not create it: provision the bus as the admin user/,
      );
      await assert.rejects(
        ensureStreams(tracking.jsm, ['tracks'], limits),
        /stream VA_TRACKS does not exist/,
        'the server refuses the creation too',
      );
      await ensureStreams(admin.jsm, ['tracks'], { ...limits, maxBytes: 32 * 1024 * 1024 });
      assert.deepEqual(await ensureStreams(tracking.jsm, ['tracks'], limits, { verifyOnly: true }), {
        notUpdated: [STREAMS.tracks.name],
      });
      assert.equal((await admin.jsm.streams.info(STREAMS.tracks.name)).config.max_bytes, 32 * 1024 * 1024);
    } finally {
      await tracking.close();
      await admin.close();
      await bare.dispose();
    }
  });
});
