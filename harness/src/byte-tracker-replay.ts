import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { ByteTracker, type TrackerStep } from '@va/tracking/tracker';
import type { TrackerParams } from '@va/tracking/tracker';

/**
 * Runs the tracking service's ByteTracker over one camera's detection batches in order, as the
 * service does (frame gaps from the sequence numbers; skipped batches predicted, not associated),
 * yielding each batch with the tracker's step.
 * Read a step before asking for the next: its Track objects are the tracker's own, updated in place.
 */
export function* replayByteTracker(
  params: TrackerParams,
  batches: readonly DetectionBatch[],
): Generator<[DetectionBatch, TrackerStep]> {
  const tracker = new ByteTracker(params);
  let previous: number | undefined;
  for (const b of batches) {
    const framesElapsed = previous === undefined ? 1 : b.sequence - previous;
    const step = b.skipped
      ? tracker.predict(framesElapsed)
      : tracker.update({
          detections: b.detections,
          frameWidth: b.frameWidth,
          frameHeight: b.frameHeight,
          timestampMs: b.captureTsMs,
          framesElapsed,
        });
    previous = b.sequence;
    yield [b, step];
  }
}

/** The batches a detection schedule of `every` leaves: all but every Nth (from the first) skipped, as inference publishes them. */
export function withDetectionSchedule(batches: readonly DetectionBatch[], every: number): DetectionBatch[] {
  return batches.map((b, i) => (i % every === 0 ? b : { ...b, detections: [], skipped: true, inferenceMs: 0 }));
}
