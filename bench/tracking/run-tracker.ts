import { performance } from 'node:perf_hooks';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { MotRow } from '@va/tracking/eval';
import { ByteTracker } from '@va/tracking/tracker';
import type { TrackerParams } from '@va/tracking/tracker';
import { replayByteTracker } from '@va/harness/byte-tracker-replay';

/**
 * Runs a tracker over one sequence's detections and returns its output as MOTChallenge rows
 * (frame = sequence + 1): the confirmed tracks of class `scoredClass` matched in each frame, with
 * their filtered boxes, as ByteTrack reports them. On frames a detection schedule skipped, the
 * tracks still confirmed are reported with their predicted boxes, as the service publishes them
 * (TrackUpdate.predicted) and as downstream sees them. The tracker sees every class, as the service
 * does (class-aware matching keeps them apart); only the annotated class is scored, as MOTChallenge
 * scores pedestrians only: a detector's cars, trucks or a static "sports ball" are not false
 * positives of a person tracker.
 */
export function trackSequence(
  params: TrackerParams,
  batches: readonly DetectionBatch[],
  scoredClass = 'person',
): MotRow[] {
  const rows: MotRow[] = [];
  for (const [b, step] of replayByteTracker(params, batches)) {
    for (const t of step.tracks) {
      if (t.status !== 'confirmed' || (t.detectionIndex < 0 && !b.skipped) || t.className !== scoredClass) continue;
      const box = t.box;
      rows.push({
        frame: b.sequence + 1,
        id: t.id,
        x: box.x1,
        y: box.y1,
        w: box.x2 - box.x1,
        h: box.y2 - box.y1,
        conf: 1,
        col8: -1,
        col9: -1,
      });
    }
  }
  return rows;
}

/**
 * Tracker-only throughput on cached detections, on this thread (one core), for several parameter
 * sets measured side by side: after a warm-up pass of each (so the JIT has compiled every path),
 * they take turns in `rounds` rounds of about minMs/rounds each, so machine noise falls on all
 * alike. Returns frames per second per entry.
 */
export function trackerFps(
  variants: readonly TrackerParams[],
  sequences: ReadonlyArray<readonly DetectionBatch[]>,
  minMs: number,
  rounds = 5,
): number[] {
  for (const params of variants) for (const s of sequences) runOnly(params, s);
  const frames = variants.map(() => 0);
  const time = variants.map(() => 0);
  const slice = minMs / rounds;
  for (let r = 0; r < rounds; r++) {
    variants.forEach((params, i) => {
      const start = performance.now();
      let elapsed = 0;
      do {
        for (const s of sequences) frames[i] = (frames[i] as number) + runOnly(params, s);
        elapsed = performance.now() - start;
      } while (elapsed < slice);
      time[i] = (time[i] as number) + elapsed;
    });
  }
  return frames.map((f, i) => f / ((time[i] as number) / 1000));
}

function runOnly(params: TrackerParams, batches: readonly DetectionBatch[]): number {
  const tracker = new ByteTracker(params);
  for (const b of batches)
    tracker.update({
      detections: b.detections,
      frameWidth: b.frameWidth,
      frameHeight: b.frameHeight,
      timestampMs: b.captureTsMs,
    });
  return batches.length;
}
