import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { codecs, subjects } from '@va/common';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { freeze } from '@va/harness/sanity-scenes/perturbations';
import { publishMessages } from '@va/harness/sanity-scenes/replay';
import { toMessages } from '@va/harness/sanity-scenes/scene-messages';
import { waitFor } from '@va/harness/ports';
import { readFlags, waitConsumed } from '@va/harness/sanity-service';
import { sanityTestBed } from '../../helpers/sanity-test-bed.js';
import { SCENARIO_ENV, T0, cleanScene } from './scenario-setup.js';

describe(
  'malformed messages are counted and skipped; the good ones around them still count',
  { timeout: 120_000 },
  () => {
    const bed = sanityTestBed(SCENARIO_ENV);

    it('garbage on every subject the service reads', async () => {
      const scene = await cleanScene('tud');
      const { scene: frozen } = freeze(scene, 100, 100);
      const messages = toMessages(frozen, { cameraId: 'cam-bad', streamEpoch: 'run-1', t0: T0 });
      await publishMessages(bed.nats.js, messages.slice(0, 150));
      await bed.nats.js.publish(subjects.detections('cam-bad'), randomBytes(200));
      await bed.nats.js.publish(
        subjects.detections('cam-bad'),
        codecs.detectionBatch.encode(DetectionBatch.fromPartial({ cameraId: 'not a camera', sequence: 151 })),
      );
      await bed.nats.js.publish(subjects.tracks('cam-bad'), new Uint8Array([0x0a, 0xff, 0xff]));
      await bed.nats.js.publish(subjects.flags('cam-bad'), randomBytes(64));
      await bed.nats.js.publish(subjects.reviews('cam-bad'), randomBytes(64));
      // Raw frames never reach sanity-check (evidence images are asked of ingest): garbage there is not its to count.
      bed.nats.nc.publish(subjects.frames('cam-bad'), randomBytes(1000));
      await publishMessages(bed.nats.js, messages.slice(150));
      await waitConsumed(bed.nats);
      const freezeFlag = (await readFlags(bed.nats)).find((f) => f.cameraId === 'cam-bad' && f.rule === 'frame-freeze');
      assert.ok(freezeFlag, 'the freeze spanning the garbage is still flagged');
      await waitFor(async () => (await bed.service.metric('va_sanity_malformed_messages_total')) >= 5, {
        what: 'five malformed messages counted',
      });
      assert.equal(await bed.service.metric('va_sanity_malformed_messages_total', { source: 'va.detections.*' }), 2);
      assert.equal(await bed.service.metric('va_sanity_malformed_messages_total', { source: 'va.tracks.*' }), 1);
      assert.equal(await bed.service.metric('va_sanity_malformed_messages_total', { source: 'va.frames.*' }), 0);
      assert.equal(
        await bed.service.metric('va_sanity_malformed_messages_total', { source: 'VA_FLAGS (flag view)' }),
        1,
      );
      assert.equal(
        await bed.service.metric('va_sanity_malformed_messages_total', { source: 'VA_REVIEWS (flag view)' }),
        1,
      );
      assert.ok((await fetch(`http://127.0.0.1:${bed.service.httpPort}/readyz`)).ok, 'still ready');
    });
  },
);
