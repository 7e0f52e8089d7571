import { errorMessage, type Logger } from '@va/common';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { Flag } from '@va/proto/va/common/v1/flag';
import type { TrackUpdate } from '@va/proto/va/common/v1/track';
import type { EvidenceRecorder } from '../evidence/evidence-recorder.js';
import type { LowConfidenceSampler } from '../evidence/low-confidence-sampler.js';
import type { FlagFolder } from '../flags/flag-folder.js';
import type { FlagPublisher } from '../flags/flag-publisher.js';
import type { FlagStore } from '../flags/flag-store.js';
import type { SanityMetrics } from '../metrics.js';
import type { CandidateFlag } from '../rules/rule.js';
import type { RuleRegistry } from '../rules/rule-registry.js';
import type { DetectionHistory } from './detection-history.js';

/**
 * How long a track update waits for the detections of its frame. Tracking publishes an update only
 * after the detections it was built from, so they are normally processed first; this covers the
 * detections consumer lagging behind the tracks consumer.
 */
const JOIN_WAIT_MS = 5_000;

export interface SanityPipelineParts {
  registry: RuleRegistry;
  folder: FlagFolder;
  publisher: FlagPublisher;
  store: FlagStore;
  history: DetectionHistory;
  /** Absent when frames are not subscribed (no evidence images). */
  recorder: EvidenceRecorder | undefined;
  sampler: LowConfidenceSampler;
  metrics: SanityMetrics;
  log: Logger;
}

/**
 * What happens to each detection batch and track update: rules -> folder (de-dup, rate limit) ->
 * JetStream (new flags at once, count updates every `flushEvery`) -> the flag view, and the
 * flagged frame to the evidence recorder. A handler resolves only after its new flags are
 * acknowledged by JetStream, so the durable consumers ack a message only once its flags are safe.
 */
export class SanityPipeline {
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(private readonly p: SanityPipelineParts) {}

  async onDetections(batch: DetectionBatch): Promise<void> {
    this.p.history.add(batch);
    if (this.p.recorder && this.p.sampler.shouldSample(batch)) {
      this.p.recorder.request({
        kind: 'low-confidence',
        cameraId: batch.cameraId,
        streamEpoch: batch.streamEpoch,
        sequence: batch.sequence,
        captureTsMs: batch.captureTsMs,
        detections: batch.detections,
      });
    }
    await this.emit(this.p.registry.onDetections(batch), batch);
  }

  async onTracks(update: TrackUpdate): Promise<void> {
    if (update.captureTsMs > 0) {
      if (update.detectedTsMs >= update.captureTsMs)
        this.p.metrics.stageLatency.observe({ stage: 'detections' }, (update.detectedTsMs - update.captureTsMs) / 1000);
      if (update.trackedTsMs >= update.captureTsMs)
        this.p.metrics.stageLatency.observe({ stage: 'tracks' }, (update.trackedTsMs - update.captureTsMs) / 1000);
    }
    const detections = await this.p.history.waitFor(update.cameraId, update.streamEpoch, update.sequence, JOIN_WAIT_MS);
    await this.emit(this.p.registry.onTracks(update, detections), detections);
  }

  /** Publishes count updates of open flags every `everyMs` until stop(). */
  start(everyMs: number): void {
    this.timer = setInterval(() => void this.flushUpdates(), everyMs);
    this.timer.unref();
  }

  /** Publishes the counts folded since the last update; concurrent calls share one run. */
  flushUpdates(): Promise<void> {
    // `.finally` runs after the assignment, so a flush with nothing to do cannot leave a stale promise behind.
    this.flushing ??= this.publishUpdates().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async publishUpdates(): Promise<void> {
    try {
      for (const flag of this.p.folder.updates()) await this.publish(flag, 'update');
    } catch (err) {
      this.p.log.error({ err: errorMessage(err) }, 'flag count update not published');
    }
  }

  /** Stops the timer and publishes every unpublished count (shutdown, after intake stopped). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    for (const flag of this.p.folder.closeAll()) await this.publish(flag, 'update');
  }

  private async emit(candidates: CandidateFlag[], detections: DetectionBatch | undefined): Promise<void> {
    const { folder, metrics } = this.p;
    for (const c of candidates) {
      metrics.occurrences.inc({ rule: c.rule });
      const { outcome, closed } = folder.observe(c);
      for (const flag of closed) await this.publish(flag, 'update');
      if (outcome.kind === 'folded') continue;
      if (outcome.kind === 'suppressed') {
        metrics.suppressed.inc({ rule: c.rule });
        if (!outcome.created) continue;
      }
      const flag = { ...outcome.flag };
      metrics.flags.inc({ rule: flag.rule, severity: String(flag.severity) });
      await this.publish(flag, 'new');
      folder.published(flag);
      this.p.recorder?.request({
        kind: 'flag',
        cameraId: flag.cameraId,
        streamEpoch: flag.streamEpoch,
        sequence: flag.sequence,
        captureTsMs: flag.tsMs,
        flagId: flag.flagId,
        detections: detections?.detections ?? [],
      });
    }
    metrics.openFlags.set(folder.size);
  }

  private async publish(flag: Flag, kind: 'new' | 'update'): Promise<void> {
    await this.p.publisher.publish(flag, kind);
    this.p.store.applyFlag(flag);
  }
}
