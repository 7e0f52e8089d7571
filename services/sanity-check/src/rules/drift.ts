import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { area, centreInside, isFiniteBox } from './geometry.js';
import { binOf, histogramMean, psi } from './psi.js';
import { cameraFinding, type Finding, type Measurement, type SanityRule } from './rule.js';

export interface DriftOptions {
  /** Detections that form the reference distribution (the first ones after start or a stream restart). */
  baselineSize: number;
  /** Most recent detections compared against it. */
  windowSize: number;
  /** Recompute the statistic every this many detections. */
  evalEvery: number;
  bins: number;
  /** PSI at or above which the confidence distribution has drifted. */
  scoreThreshold: number;
  /** PSI at or above which the box-size distribution has drifted. */
  boxThreshold: number;
}

/** Box size as log2 of sqrt(box area / frame area): -8 is 1/256 of the frame side, 0 the whole frame. */
const BOX_MIN = -8;
const BOX_MAX = 0;
/** Re-arm a metric only once its PSI falls below this share of the threshold (no flapping). */
const HYSTERESIS = 0.8;

/** A frozen baseline histogram and a rolling window of the latest samples' bins. */
class Distribution {
  readonly baseline: Uint32Array;
  readonly window: Uint32Array;
  private readonly ring: Uint16Array;
  private baselineCount = 0;
  private ringCount = 0;
  private ringNext = 0;
  sinceEval = 0;
  psi = 0;
  drifting = false;

  constructor(
    bins: number,
    private readonly baselineSize: number,
    windowSize: number,
  ) {
    this.baseline = new Uint32Array(bins);
    this.window = new Uint32Array(bins);
    this.ring = new Uint16Array(windowSize);
  }

  add(bin: number): void {
    if (this.baselineCount < this.baselineSize) {
      this.baseline[bin]!++;
      this.baselineCount++;
      return;
    }
    if (this.ringCount === this.ring.length) this.window[this.ring[this.ringNext] as number]!--;
    else this.ringCount++;
    this.ring[this.ringNext] = bin;
    this.window[bin]!++;
    this.ringNext = (this.ringNext + 1) % this.ring.length;
    this.sinceEval++;
  }

  get ready(): boolean {
    return this.ringCount === this.ring.length;
  }

  get sizes(): { baseline: number; window: number } {
    return { baseline: this.baselineCount, window: this.ringCount };
  }
}

/**
 * Drift: the distribution of detection confidences, and of box sizes, over the latest
 * `windowSize` detections compared with a baseline of the first `baselineSize` detections by the
 * Population Stability Index over fixed bins. PSI, not the Kolmogorov-Smirnov test: it needs only
 * bin counts (constant memory per camera, O(1) per detection), it is symmetric, and its scale does
 * not depend on the sample size, whereas a KS p-value over thousands of detections calls every
 * harmless wobble significant. Thresholds follow the usual reading (0.25: significant shift).
 */
export class DriftRule implements SanityRule {
  private readonly score: Distribution;
  private readonly box: Distribution;

  constructor(private readonly options: DriftOptions) {
    this.score = new Distribution(options.bins, options.baselineSize, options.windowSize);
    this.box = new Distribution(options.bins, options.baselineSize, options.windowSize);
  }

  onDetections(batch: DetectionBatch): Finding[] {
    const { bins } = this.options;
    const frameArea = batch.frameWidth * batch.frameHeight;
    for (const d of batch.detections) {
      // Invalid boxes (and their scores) are the invalid-box rule's business: a decoder emitting
      // garbage boxes is one finding there, not a second one here as a shifted distribution.
      if (!Number.isFinite(d.score) || !d.box || !isFiniteBox(d.box) || area(d.box) <= 0) continue;
      if (frameArea > 0 && !centreInside(d.box, batch.frameWidth, batch.frameHeight)) continue;
      this.score.add(binOf(d.score, 0, 1, bins));
      if (frameArea > 0) this.box.add(binOf(0.5 * Math.log2(area(d.box) / frameArea), BOX_MIN, BOX_MAX, bins));
    }
    const findings: Finding[] = [];
    const score = this.evaluate(batch, this.score, 'confidence', this.options.scoreThreshold, 0, 1);
    if (score) findings.push(score);
    const box = this.evaluate(batch, this.box, 'box-size', this.options.boxThreshold, BOX_MIN, BOX_MAX);
    if (box) findings.push(box);
    return findings;
  }

  measurements(): Measurement[] {
    const out: Measurement[] = [];
    if (this.score.ready) out.push({ name: 'drift_psi', labels: { metric: 'confidence' }, value: this.score.psi });
    if (this.box.ready) out.push({ name: 'drift_psi', labels: { metric: 'box-size' }, value: this.box.psi });
    return out;
  }

  private evaluate(
    batch: DetectionBatch,
    dist: Distribution,
    metric: string,
    threshold: number,
    min: number,
    max: number,
  ): Finding | undefined {
    if (!dist.ready || dist.sinceEval < this.options.evalEvery) return undefined;
    dist.sinceEval = 0;
    dist.psi = psi(dist.window, dist.baseline);
    if (dist.psi < threshold * HYSTERESIS) dist.drifting = false;
    if (dist.psi < threshold || dist.drifting) return undefined;
    dist.drifting = true;
    const baselineMean = histogramMean(dist.baseline, min, max);
    const windowMean = histogramMean(dist.window, min, max);
    const unit = metric === 'confidence' ? 'mean score' : 'mean log2 relative box size';
    return cameraFinding(
      batch,
      'drift',
      metric,
      `${metric} distribution drifted: PSI ${dist.psi.toFixed(2)} >= ${threshold} (${unit} ${baselineMean.toFixed(2)} -> ${windowMean.toFixed(2)})`,
      {
        psi: dist.psi,
        threshold,
        baseline_n: dist.sizes.baseline,
        window_n: dist.sizes.window,
        baseline_mean: baselineMean,
        window_mean: windowMean,
      },
    );
  }
}
