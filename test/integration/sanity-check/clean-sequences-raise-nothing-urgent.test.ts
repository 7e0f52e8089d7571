import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Severity } from '@va/proto/va/common/v1/flag';
import { publishMessages } from '@va/harness/sanity-scenes/replay';
import { toMessages } from '@va/harness/sanity-scenes/scene-messages';
import { readFlags, waitConsumed } from '@va/harness/sanity-service';
import { sanityTestBed } from '../../helpers/sanity-test-bed.js';
import { SCENARIO_ENV, T0, cleanScene } from './scenario-setup.js';

describe('the real sequences, unperturbed, raise no flag above severity 3', { timeout: 300_000 }, () => {
  const bed = sanityTestBed(SCENARIO_ENV);

  it('PETS09-S2L1 and TUD-Campus replayed clean: nothing to act on', async () => {
    let frames = 0;
    for (const key of ['pets', 'tud'] as const) {
      const messages = toMessages(await cleanScene(key), { cameraId: `clean-${key}`, streamEpoch: 'run-1', t0: T0 });
      frames += messages.length;
      await publishMessages(bed.nats.js, messages);
    }
    await waitConsumed(bed.nats);
    const flags = await readFlags(bed.nats);
    const urgent = flags.filter((f) => f.severity !== Severity.SEVERITY_REVIEW_WEEKLY);
    assert.deepEqual(
      urgent.map((f) => `${f.cameraId} ${f.rule}: ${f.message}`),
      [],
    );
    // Weekly-review flags are allowed but must stay rare (the benchmark's goal: at most 1 per 1000 frames).
    assert.ok(
      flags.length <= Math.ceil(frames / 1000),
      `${flags.length} flags on ${frames} clean frames: ${flags.map((f) => f.rule).join(', ')}`,
    );
    // The rules did look: drift and latency statistics were computed for both cameras.
    for (const key of ['pets', 'tud']) {
      const psi = await bed.service.metric('va_sanity_drift_psi', { camera: `clean-${key}`, metric: 'confidence' });
      assert.ok(psi > 0 && psi < 0.25, `clean-${key} confidence PSI ${psi}`);
      assert.ok(
        (await bed.service.metric('va_sanity_capture_to_tracks_quantile_seconds', { camera: `clean-${key}` })) < 0.2,
      );
    }
    assert.equal(await bed.service.metric('va_sanity_rule_errors_total'), 0);
  });
});
