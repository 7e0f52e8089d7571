import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Severity, type Flag } from '@va/proto/va/common/v1/flag';
import { DEFAULT_SEVERITIES } from '../../../services/sanity-check/src/rules/rule-registry.js';
import { FAULT_KINDS } from '@va/harness/sanity-scenes/fault-catalogue';
import { publishMessages } from '@va/harness/sanity-scenes/replay';
import { readFlags, waitConsumed } from '@va/harness/sanity-service';
import { sanityTestBed } from '../../helpers/sanity-test-bed.js';
import { SCENARIO_ENV, scenarios, type Scenario } from './scenario-setup.js';

/** Frames after a fault ends within which its flag must have been raised. */
const SLACK = 60;

describe(
  "each fault injected into real sequences raises its rule's flag (service process, real NATS)",
  { timeout: 300_000 },
  () => {
    const bed = sanityTestBed(SCENARIO_ENV);
    let all: Scenario[];
    let flags: Flag[];

    before(async () => {
      all = await scenarios(['pets', 'tud']);
      for (const s of all) await publishMessages(bed.nats.js, s.frames);
      await waitConsumed(bed.nats);
      flags = await readFlags(bed.nats);
    });

    for (const key of ['pets', 'tud'] as const) {
      for (const kind of FAULT_KINDS) {
        it(`${key}: ${kind}`, () => {
          const s = all.find((x) => x.key === key && x.kind === kind)!;
          const until = s.fault.rule === 'drift' ? s.frames.length : s.fault.toSequence + SLACK;
          const mine = flags.filter((f) => f.cameraId === s.cameraId);
          const hit = mine.find(
            (f) =>
              f.rule === s.fault.rule &&
              f.sequence >= s.fault.fromSequence &&
              f.sequence <= until &&
              (!s.fault.trackId || f.trackId === s.fault.trackId),
          );
          assert.ok(
            hit,
            `no ${s.fault.rule} flag for ${s.fault.kind} at ${s.fault.fromSequence}; camera ${s.cameraId} has: ${mine.map((f) => `${f.rule}@${f.sequence}`).join(', ') || 'nothing'}`,
          );
          assert.equal(hit.severity, DEFAULT_SEVERITIES[s.fault.rule]);
          assert.equal(hit.streamEpoch, `run-${key}`);
          assert.ok(hit.flagId.length > 0 && hit.message.length > 0);
          assert.ok(Object.keys(hit.evidence).length >= 2, 'carries the measured value and the threshold');
          if (s.fault.trackId) {
            assert.equal(hit.trackId, s.fault.trackId);
            assert.ok(
              hit.boxes.length > 0 &&
                hit.scores.length === hit.boxes.length &&
                hit.classNames.length === hit.boxes.length,
            );
          }
          // Nothing urgent fires on a camera whose fault is a weekly-review matter.
          if (DEFAULT_SEVERITIES[s.fault.rule] === Severity.SEVERITY_REVIEW_WEEKLY) {
            assert.deepEqual(
              mine.filter((f) => f.severity < Severity.SEVERITY_ACT_TODAY).map((f) => f.rule),
              [],
            );
          }
        });
      }
    }

    it('counts flags by rule and severity and exports the drift statistic per camera', async () => {
      assert.ok((await bed.service.metric('va_sanity_flags_total', { rule: 'frame-freeze', severity: '1' })) >= 2);
      assert.ok((await bed.service.metric('va_sanity_flags_total', { rule: 'drift', severity: '2' })) >= 4);
      assert.ok(
        (await bed.service.metric('va_sanity_drift_psi', { camera: 'confidence-drift-pets', metric: 'confidence' })) >=
          0.25,
      );
      const calm = await bed.service.metric('va_sanity_drift_psi', { camera: 'vanish-pets', metric: 'confidence' });
      assert.ok(calm > 0 && calm < 0.25, `an undisturbed camera has a small PSI (${calm})`);
      assert.ok(
        (await bed.service.metric('va_sanity_capture_to_tracks_quantile_seconds', { camera: 'latency-pets' })) > 0,
      );
      assert.ok((await bed.service.metric('va_sanity_stage_latency_seconds_count', { stage: 'tracks' })) > 0);
    });
  },
);
