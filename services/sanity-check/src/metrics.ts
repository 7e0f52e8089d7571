import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { errorMessage, LATENCY_BUCKETS_S, type Logger } from '@va/common';
import { ReviewStatus } from '@va/proto/va/common/v1/flag';
import type { EvidenceStore } from './evidence/evidence-store.js';
import type { FlagStore } from './flags/flag-store.js';
import type { RegistryHooks } from './rules/rule-registry.js';
import type { RuleName } from './rules/rule.js';

/** Parts whose size the gauges read at scrape time. */
export interface GaugeSources {
  store?: FlagStore;
  evidence?: EvidenceStore;
}

/** Every va_sanity_* metric, created once per process and handed to the parts that move them. */
export class SanityMetrics {
  readonly flags: Counter<'rule' | 'severity'>;
  readonly occurrences: Counter<'rule'>;
  readonly suppressed: Counter<'rule'>;
  readonly flagPublishes: Counter<'kind'>;
  readonly flagPublishErrors: Counter;
  readonly openFlags: Gauge;
  readonly ruleErrors: Counter<'rule'>;
  readonly duplicates: Counter<'kind'>;
  readonly explained: Counter<'rule' | 'by'>;
  readonly driftPsi: Gauge<'camera' | 'metric'>;
  readonly driftThreshold: Gauge<'metric'>;
  readonly latencyQuantile: Gauge<'camera' | 'quantile'>;
  readonly stageLatency: Histogram<'stage'>;
  readonly reviews: Counter<'decision' | 'rule'>;
  readonly storedFlags: Gauge<'review_status'>;
  readonly replayed: Counter<'stream'>;
  readonly evidenceBytes: Gauge;
  readonly evidenceFiles: Gauge;
  readonly evidenceWrites: Counter<'kind'>;
  readonly evidenceMissing: Counter<'reason'>;
  readonly evidenceQueueDepth: Gauge;
  readonly evidencePruned: Counter<'reason'>;
  readonly exports: Counter<'outcome'>;
  readonly exportedImages: Counter<'source'>;

  readonly sources: GaugeSources = {};

  /**
   * Starts every enabled rule's flag counter at 0, so the first flag of a rule is an increase
   * Prometheus can see (increase() needs a sample before it) and the severity-1 alert fires on it.
   */
  initRules(rules: Iterable<RuleName>, severities: Readonly<Record<RuleName, number>>): void {
    for (const rule of rules) {
      this.flags.inc({ rule, severity: String(severities[rule]) }, 0);
      this.occurrences.inc({ rule }, 0);
    }
  }

  constructor(registry: Registry, prefix: string) {
    const r = [registry];
    const sources = this.sources;
    this.flags = new Counter({
      name: `${prefix}flags_total`,
      help: 'Flags raised (new flags, not folded repeats), by rule and severity (1 act now, 2 act today, 3 review weekly).',
      labelNames: ['rule', 'severity'],
      registers: r,
    });
    this.occurrences = new Counter({
      name: `${prefix}flag_occurrences_total`,
      help: 'Every time a rule fired, including repeats folded into an open flag.',
      labelNames: ['rule'],
      registers: r,
    });
    this.suppressed = new Counter({
      name: `${prefix}flags_rate_limited_total`,
      help: 'New flags over the per-camera, per-rule rate limit, folded into the overflow flag.',
      labelNames: ['rule'],
      registers: r,
    });
    this.flagPublishes = new Counter({
      name: `${prefix}flag_publishes_total`,
      help: 'Flag messages acknowledged by JetStream: new flags and count updates.',
      labelNames: ['kind'],
      registers: r,
    });
    this.flagPublishErrors = new Counter({
      name: `${prefix}flag_publish_errors_total`,
      help: 'Failed flag publish attempts (each is retried).',
      registers: r,
    });
    this.openFlags = new Gauge({
      name: `${prefix}open_flags`,
      help: 'Flags still folding repeats (their subject was seen within the quiet period).',
      registers: r,
    });
    this.ruleErrors = new Counter({
      name: `${prefix}rule_errors_total`,
      help: 'Messages a rule threw on (the other rules still ran).',
      labelNames: ['rule'],
      registers: r,
    });
    this.duplicates = new Counter({
      name: `${prefix}duplicate_messages_total`,
      help: 'Redelivered messages at or below the last sequence seen for their camera, skipped.',
      labelNames: ['kind'],
      registers: r,
    });
    this.explained = new Counter({
      name: `${prefix}findings_explained_total`,
      help: 'Findings dropped because a picture fault on their camera explains them (one fault, one flag), by rule and the picture rule that explains them.',
      labelNames: ['rule', 'by'],
      registers: r,
    });
    this.driftPsi = new Gauge({
      name: `${prefix}drift_psi`,
      help: 'Population Stability Index of the latest window against the baseline, by camera and metric (confidence, box-size).',
      labelNames: ['camera', 'metric'],
      registers: r,
    });
    this.driftThreshold = new Gauge({
      name: `${prefix}drift_psi_threshold`,
      help: 'Configured PSI threshold per metric.',
      labelNames: ['metric'],
      registers: r,
    });
    this.latencyQuantile = new Gauge({
      name: `${prefix}capture_to_tracks_quantile_seconds`,
      help: 'Capture -> tracks latency quantile over the latency rule window, by camera.',
      labelNames: ['camera', 'quantile'],
      registers: r,
    });
    this.stageLatency = new Histogram({
      name: `${prefix}stage_latency_seconds`,
      help: 'Latency from capture to each stage, from the timestamps on track updates.',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS_S,
      registers: r,
    });
    this.reviews = new Counter({
      name: `${prefix}reviews_total`,
      help: 'Review decisions made through this instance, by decision and rule.',
      labelNames: ['decision', 'rule'],
      registers: r,
    });
    this.storedFlags = new Gauge({
      name: `${prefix}stored_flags`,
      help: 'Flags in the service view (rebuilt from VA_FLAGS + VA_REVIEWS), by review status.',
      labelNames: ['review_status'],
      registers: r,
      collect() {
        const counts = sources.store?.countsByStatus() ?? new Map<ReviewStatus, number>();
        for (const [status, label] of STATUS_LABELS) this.set({ review_status: label }, counts.get(status) ?? 0);
      },
    });
    this.replayed = new Counter({
      name: `${prefix}replayed_messages_total`,
      help: 'Messages read from VA_FLAGS and VA_REVIEWS to build the flag view.',
      labelNames: ['stream'],
      registers: r,
    });
    this.evidenceBytes = new Gauge({
      name: `${prefix}evidence_store_bytes`,
      help: 'Bytes of images and metadata in the evidence store.',
      registers: r,
      collect() {
        this.set(sources.evidence?.bytes ?? 0);
      },
    });
    this.evidenceFiles = new Gauge({
      name: `${prefix}evidence_store_images`,
      help: 'Images in the evidence store.',
      registers: r,
      collect() {
        this.set(sources.evidence?.images ?? 0);
      },
    });
    this.evidenceWrites = new Counter({
      name: `${prefix}evidence_writes_total`,
      help: 'Evidence images written, by kind (flag, low-confidence).',
      labelNames: ['kind'],
      registers: r,
    });
    this.evidenceMissing = new Counter({
      name: `${prefix}evidence_missing_total`,
      help: 'Flagged or sampled frames kept without an image, by reason (frame_gone, frame_not_published, unknown_camera, ingest_busy, ingest_unavailable, fetch_failed, queue_full, too_large, write_failed).',
      labelNames: ['reason'],
      registers: r,
    });
    this.evidenceQueueDepth = new Gauge({
      name: `${prefix}evidence_queue_depth`,
      help: 'Evidence images waiting to be fetched from ingest and written.',
      registers: r,
    });
    this.evidencePruned = new Counter({
      name: `${prefix}evidence_pruned_total`,
      help: 'Evidence images deleted by retention, by reason (age, size).',
      labelNames: ['reason'],
      registers: r,
    });
    this.exports = new Counter({
      name: `${prefix}exports_total`,
      help: 'Labeling-set exports, by outcome.',
      labelNames: ['outcome'],
      registers: r,
    });
    this.exportedImages = new Counter({
      name: `${prefix}exported_images_total`,
      help: 'Images written into labeling sets, by source (flag, low-confidence).',
      labelNames: ['source'],
      registers: r,
    });
  }
}

const STATUS_LABELS: Array<[ReviewStatus, string]> = [
  [ReviewStatus.REVIEW_STATUS_PENDING, 'pending'],
  [ReviewStatus.REVIEW_STATUS_CONFIRMED, 'confirmed'],
  [ReviewStatus.REVIEW_STATUS_REJECTED, 'rejected'],
];

/** What the rule registry reports, turned into metrics and (rate-limited by the caller's level) logs. */
export function registryHooks(metrics: SanityMetrics, log: Logger, latencyQuantile: number): RegistryHooks {
  return {
    onRuleError: (rule, camera, err) => {
      metrics.ruleErrors.inc({ rule });
      log.error({ rule, camera, err: errorMessage(err) }, 'rule failed on a message; other rules still ran');
    },
    onDuplicate: (kind) => metrics.duplicates.inc({ kind }),
    onExplained: (rule, _camera, by) => metrics.explained.inc({ rule, by }),
    onMeasurement: (camera, m) => {
      if (m.name === 'drift_psi') metrics.driftPsi.set({ camera, metric: m.labels.metric ?? '' }, m.value);
      else metrics.latencyQuantile.set({ camera, quantile: m.labels.quantile ?? '' }, m.value / 1000);
    },
    onCameraEvicted: (camera) => {
      metrics.driftPsi.remove({ camera, metric: 'confidence' });
      metrics.driftPsi.remove({ camera, metric: 'box-size' });
      metrics.latencyQuantile.remove({ camera, quantile: String(latencyQuantile) });
      log.warn({ camera }, 'camera state dropped: more cameras than VA_SANITY_MAX_CAMERAS');
    },
  };
}
