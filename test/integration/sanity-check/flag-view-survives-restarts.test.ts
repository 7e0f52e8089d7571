import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codecs, STREAMS, subjects, unary, type NatsConnectionHandle } from '@va/common';
import { ReviewStatus, type Flag } from '@va/proto/va/common/v1/flag';
import type { ListFlagsResponse, SanityServiceClient } from '@va/proto/va/sanity/v1/sanity';
import { injectFault } from '@va/harness/sanity-scenes/fault-catalogue';
import { publishMessages } from '@va/harness/sanity-scenes/replay';
import { toMessages } from '@va/harness/sanity-scenes/scene-messages';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';
import {
  connectTestNats,
  readFlags,
  startSanityService,
  waitConsumed,
  type SanityService,
} from '@va/harness/sanity-service';
import { SCENARIO_ENV, T0, cleanScene } from './scenario-setup.js';

const list = (client: SanityServiceClient): Promise<ListFlagsResponse> =>
  unary(client.listFlags.bind(client), {
    cameraIds: [],
    rules: [],
    maxSeverity: 0,
    reviewStatuses: [],
    fromMs: 0,
    toMs: 0,
    pageSize: 1000,
    pageToken: '',
    trackId: '',
  });

describe(
  'the flag view is rebuilt from VA_FLAGS and VA_REVIEWS: nothing is lost across restarts',
  { timeout: 300_000 },
  () => {
    let server: TestNatsServer;
    let nats: NatsConnectionHandle;
    let service: SanityService | undefined;
    const dataDir = mkdtempSync(join(tmpdir(), 'va-sanity-restart-'));

    before(async () => {
      server = await startNatsServer();
      nats = await connectTestNats(server.url);
    });
    after(async () => {
      await nats?.close();
      await service?.stop();
      await server?.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('a restarted service shows every flag, count and decision, including decisions made elsewhere', async () => {
      service = await startSanityService(server.url, SCENARIO_ENV, dataDir);
      const scene = await cleanScene('tud');
      for (const kind of ['freeze', 'vanish', 'invalid-box'] as const) {
        const { scene: faulty } = await injectFault(scene, kind, 0.4);
        await publishMessages(nats.js, toMessages(faulty, { cameraId: `cam-${kind}`, streamEpoch: 'e1', t0: T0 }));
      }
      await waitConsumed(nats);
      const onBus = await waitFor(
        async () => {
          const flags = await readFlags(nats);
          return flags.length >= 3 && flags.find((f) => f.rule === 'invalid-box')!.count > 1 ? flags : undefined;
        },
        { what: 'flags and a count update' },
      );
      const [first, second] = [
        onBus.find((f) => f.rule === 'frame-freeze')!,
        onBus.find((f) => f.rule === 'track-without-detection')!,
      ];
      const operator = service.client('operator');
      await unary(operator.reviewFlag.bind(operator), {
        flagId: first.flagId,
        decision: ReviewStatus.REVIEW_STATUS_CONFIRMED,
        note: 'stuck encoder',
      });
      // Another instance (or an older run) decided on the second flag.
      await nats.js.publish(
        subjects.reviews(second.cameraId),
        codecs.reviewDecision.encode({
          flagId: second.flagId,
          cameraId: second.cameraId,
          decision: ReviewStatus.REVIEW_STATUS_REJECTED,
          note: 'occluded',
          reviewer: 'operator:elsewhere',
          tsMs: Date.now(),
          reviewId: 'external-1',
          revision: 0,
        }),
        { msgID: 'review:external-1' },
      );
      const before = await waitFor(
        async () => {
          const res = await list(service!.client('viewer'));
          return res.flags.find((f) => f.flagId === second.flagId)?.reviewStatus === ReviewStatus.REVIEW_STATUS_REJECTED
            ? res
            : undefined;
        },
        { what: 'the external decision to reach the running service' },
      );
      assert.equal(await service.stop(), 0, 'SIGTERM drains and exits 0');

      service = await startSanityService(server.url, SCENARIO_ENV, dataDir);
      const afterRestart = await list(service.client('viewer'));
      const summary = (flags: Flag[]) => flags.map((f) => `${f.flagId} ${f.rule} x${f.count} ${f.reviewStatus}`).sort();
      assert.deepEqual(summary(afterRestart.flags), summary(before.flags));
      assert.equal(
        afterRestart.flags.find((f) => f.flagId === first.flagId)?.reviewStatus,
        ReviewStatus.REVIEW_STATUS_CONFIRMED,
      );
      assert.equal(
        afterRestart.flags.find((f) => f.flagId === second.flagId)?.reviewStatus,
        ReviewStatus.REVIEW_STATUS_REJECTED,
      );
      // Nothing was processed twice: the durable consumers resumed after their last ack.
      assert.equal(await service.metric('va_sanity_flags_total'), 0);
    });

    it('keeps following the streams and consuming after NATS itself restarts', async () => {
      assert.ok(service);
      await server.stop();
      await server.restart();
      const scene = await cleanScene('tud');
      const { scene: faulty } = await injectFault(scene, 'blank', 0.3);
      await waitFor(async () => (await fetch(`http://127.0.0.1:${service!.httpPort}/readyz`)).ok, {
        timeoutMs: 30_000,
        what: 'the service to reconnect',
      });
      await waitFor(async () => Boolean(await nats.jsm.streams.info(STREAMS.detections.name)), {
        timeoutMs: 30_000,
        what: 'the test connection to reconnect',
      });
      await publishMessages(nats.js, toMessages(faulty, { cameraId: 'cam-after-restart', streamEpoch: 'e1', t0: T0 }));
      await waitConsumed(nats);
      const viewer = service.client('viewer');
      await waitFor(
        async () =>
          (await list(viewer)).flags.some(
            (f) => f.cameraId === 'cam-after-restart' && f.rule === 'dark-or-blank-frame',
          ),
        { timeoutMs: 30_000, what: 'the new flag in the view' },
      );
    });
  },
);
