import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codecs, STREAMS } from '@va/common';
import { blindDetector, darken, invalidBoxes } from '@va/harness/sanity-scenes/perturbations';
import { publishMessages } from '@va/harness/sanity-scenes/replay';
import { toMessages } from '@va/harness/sanity-scenes/scene-messages';
import { waitFor } from '@va/harness/ports';
import { readFlags, readStream, waitConsumed } from '@va/harness/sanity-service';
import { sanityTestBed } from '../../helpers/sanity-test-bed.js';
import { SCENARIO_ENV, T0, cleanScene } from './scenario-setup.js';

describe(
  'de-duplication and rate limits: an outage is one flag with a count, not thousands',
  { timeout: 300_000 },
  () => {
    const bed = sanityTestBed({ ...SCENARIO_ENV, VA_SANITY_FLAG_MAX_NEW_PER_MIN: '2', VA_SANITY_FLAG_BURST: '3' });

    it('a decoder emitting broken boxes on 300 frames gives one flag per kind, its count growing to 300', async () => {
      const scene = await cleanScene('pets');
      const { scene: broken } = invalidBoxes(scene, 50, 300);
      await publishMessages(bed.nats.js, toMessages(broken, { cameraId: 'decoder-bug', streamEpoch: 'run-1', t0: T0 }));
      await waitConsumed(bed.nats);
      // Count updates go out every VA_SANITY_FLAG_UPDATE_INTERVAL_MS (300 ms here).
      const flags = await waitFor(
        async () => {
          const mine = (await readFlags(bed.nats)).filter((f) => f.cameraId === 'decoder-bug');
          return mine.length === 3 && mine.every((f) => f.count === 300) ? mine : undefined;
        },
        { timeoutMs: 20_000, what: 'invalid-box flags with their final count' },
      ).catch(async (err: unknown) => {
        const seen = (await readFlags(bed.nats))
          .filter((f) => f.cameraId === 'decoder-bug')
          .map((f) => `${f.rule}/${f.subject}@${f.sequence} x${f.count}`);
        throw new Error(`${String(err)}; flags: ${seen.join(', ')}`);
      });
      assert.deepEqual(flags.map((f) => f.subject).sort(), [
        'detection:nan',
        'detection:outside-frame',
        'detection:zero-area',
      ]);
      for (const f of flags) {
        assert.equal(f.sequence, 50, 'the flag points at the first frame');
        assert.equal(f.firstTsMs, T0 + Math.round((50 * 1000) / 7));
        assert.equal(f.lastTsMs, T0 + Math.round((349 * 1000) / 7));
      }
      // On the bus: each flag's first version and a bounded number of count updates, never one per frame.
      const versions = (await readStream(bed.nats, STREAMS.flags.name))
        .map((b) => codecs.flag.decode(b))
        .filter((f) => f.cameraId === 'decoder-bug');
      assert.equal(
        new Set(versions.map((f) => `${f.flagId}:${f.count}`)).size,
        versions.length,
        'no version published twice',
      );
      assert.ok(versions.length < 3 * 20, `${versions.length} flag messages for 900 occurrences`);
      assert.ok((await bed.service.metric('va_sanity_flag_occurrences_total', { rule: 'invalid-box' })) >= 900);
      assert.equal(await bed.service.metric('va_sanity_flags_total', { rule: 'invalid-box' }), 3);
      assert.equal(await bed.service.metric('va_sanity_flags_total'), 3, 'broken boxes upset no other rule');
    });

    it('a detector that stops seeing loses every track at once: three flags (the burst), then one rate-limited flag counting the rest', async () => {
      const scene = await cleanScene('pets');
      const { scene: blind } = blindDetector(scene, 100, 40);
      await publishMessages(bed.nats.js, toMessages(blind, { cameraId: 'blind-model', streamEpoch: 'run-1', t0: T0 }));
      await waitConsumed(bed.nats);
      const mine = (await readFlags(bed.nats)).filter((f) => f.cameraId === 'blind-model');
      const vanished = mine.filter((f) => f.rule === 'track-without-detection');
      const individual = vanished.filter((f) => f.subject !== 'rate-limited');
      const overflow = vanished.find((f) => f.subject === 'rate-limited');
      assert.equal(individual.length, 3, `the burst; flags: ${mine.map((f) => `${f.rule}/${f.subject}`).join(', ')}`);
      assert.ok(overflow, 'the rest fold into the overflow flag');
      const suppressed = await bed.service.metric('va_sanity_flags_rate_limited_total', {
        rule: 'track-without-detection',
      });
      assert.ok(suppressed >= 2);
      await waitFor(
        async () => (await readFlags(bed.nats)).find((f) => f.flagId === overflow.flagId)?.count === suppressed,
        { timeoutMs: 10_000, what: 'the overflow count to reach the suppressed total' },
      );
    });

    it('a camera going dark is one flag: the tracks it loses are explained by the fault, not flagged one by one', async () => {
      const scene = await cleanScene('pets');
      const { scene: dark } = await darken(scene, 100, 40);
      await publishMessages(bed.nats.js, toMessages(dark, { cameraId: 'lights-out', streamEpoch: 'run-1', t0: T0 }));
      await waitConsumed(bed.nats);
      const mine = (await readFlags(bed.nats)).filter((f) => f.cameraId === 'lights-out');
      assert.deepEqual(
        mine.map((f) => f.rule),
        ['dark-or-blank-frame'],
        `flags: ${mine.map((f) => `${f.rule}/${f.subject}`).join(', ')}`,
      );
      assert.ok(
        (await bed.service.metric('va_sanity_findings_explained_total', { rule: 'track-without-detection' })) > 0,
        'the lost tracks were seen and explained by the dark picture',
      );
    });
  },
);
