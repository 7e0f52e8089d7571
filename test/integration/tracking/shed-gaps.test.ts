import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batch, metricValue, person, publishBatch, waitForUpdates } from '@va/harness/tracking-service';
import { useTrackingFixture } from '../../helpers/tracking-fixture.js';

const CAMERA = 'overloaded';
const walk = (q: number) => [person(100 + 10 * q, 300)];

describe('sequences shed upstream do not hold the reorder window (real NATS, real process)', () => {
  // A gap timeout no test waits for: a frame behind a gap comes out only if its batch announced the gap.
  const t = useTrackingFixture({ VA_TRACKING_REORDER_WINDOW: '64', VA_TRACKING_GAP_TIMEOUT_MS: '600000' });

  it('tracks each frame behind shed frames as soon as its batch announces them, and counts them apart from gaps given up on', async () => {
    // As at 10x: ingest and inference shed most frames; each batch names those shed since the previous one.
    const kept = [0, 4, 9, 10, 17, 30];
    let previous = 0;
    for (const q of kept) {
      const shedSequences = q === 0 ? [] : Array.from({ length: q - previous - 1 }, (_, i) => previous + 1 + i);
      await publishBatch(t.nats, { ...batch(CAMERA, q, walk(q)), shedSequences });
      previous = q;
    }
    const updates = await waitForUpdates(t.nats, CAMERA, kept.length);
    assert.deepEqual(
      updates.map((u) => u.sequence),
      kept,
    );
    assert.equal(
      await metricValue(t.svc.httpPort, 'va_tracking_shed_frames_total', { camera: CAMERA }),
      30 - (kept.length - 1),
    );
    assert.equal(
      await metricValue(t.svc.httpPort, 'va_tracking_skipped_frames_total', { camera: CAMERA }),
      0,
      'no gap was given up on',
    );
  });
});
