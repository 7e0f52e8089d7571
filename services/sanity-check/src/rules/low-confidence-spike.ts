import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { cameraFinding, type Finding, type SanityRule } from './rule.js';

export interface LowConfidenceSpikeOptions {
  /** Detections below this score are low-confidence. */
  lowScore: number;
  /** Frames per (tumbling) window. */
  windowFrames: number;
  /** Windows with fewer detections say nothing (an empty scene is not a spike). */
  minDetections: number;
  /** The share of low-confidence detections in a window must reach this... */
  minRate: number;
  /**
   * ...and its odds (share / (1 - share)) this multiple of the odds of the camera's usual share
   * (an exponentially weighted mean of past windows).
   */
  spikeRatio: number;
}

const BASELINE_WEIGHT = 0.2;

/**
 * Odds, not shares: a detector with a low score threshold (yolox_nano reports down to 0.1) can
 * usually have 70 % of its boxes below 0.5, and a share cannot double from there, while the odds
 * go from 2.3 to 99 when every score drops by half. Where the usual share is small the two agree.
 */
function odds(share: number): number {
  return share / Math.max(1e-3, 1 - share);
}

/** How far below its usual count (in binomial standard deviations) the window's confident boxes must fall. */
const MIN_DROP_SD = 3;

/**
 * Odds near a share of 1 swing with a handful of boxes: a camera usually 90 % unsure expects 5
 * confident boxes in 50, and a window with 2 doubles the odds. A spike must also be more confident
 * boxes missing than a steady camera's windows wobble by.
 */
function beyondWobble(detections: number, low: number, usual: number): boolean {
  const missing = detections * (1 - usual) - (detections - low);
  return missing >= MIN_DROP_SD * Math.sqrt(detections * usual * (1 - usual));
}

/**
 * Low-confidence rate spike: over a short window, far more of the detections are unsure than
 * this camera usually produces (rain on the lens, glare, a model on the wrong input scale). Fast
 * and coarse; the drift rule compares whole distributions over longer windows. The usual share is
 * learnt from the first window on and only from windows that were not spikes.
 */
export class LowConfidenceSpikeRule implements SanityRule {
  private frames = 0;
  private detections = 0;
  private low = 0;
  private usual: number | undefined;
  private spiking = false;

  constructor(private readonly options: LowConfidenceSpikeOptions) {}

  onDetections(batch: DetectionBatch): Finding[] {
    this.frames++;
    for (const d of batch.detections) {
      this.detections++;
      if (d.score < this.options.lowScore) this.low++;
    }
    if (this.frames < this.options.windowFrames) return [];
    const { detections, low } = this;
    this.frames = this.detections = this.low = 0;
    if (detections < this.options.minDetections) return [];
    const rate = low / detections;
    if (this.usual === undefined) {
      this.usual = rate;
      return [];
    }
    const usual = this.usual;
    if (
      rate >= this.options.minRate &&
      odds(rate) >= this.options.spikeRatio * odds(usual) &&
      beyondWobble(detections, low, usual)
    ) {
      if (this.spiking) return [];
      this.spiking = true;
      return [
        cameraFinding(
          batch,
          'low-confidence-spike',
          'low-confidence',
          `${Math.round(rate * 100)}% of ${detections} detections scored below ${this.options.lowScore} in the last ${this.options.windowFrames} frames (usually ${Math.round(usual * 100)}%)`,
          {
            rate,
            usual_rate: usual,
            odds_ratio: odds(rate) / Math.max(1e-9, odds(usual)),
            min_rate: this.options.minRate,
            spike_ratio: this.options.spikeRatio,
            detections,
            low_score: this.options.lowScore,
          },
        ),
      ];
    }
    this.spiking = false;
    this.usual = usual + BASELINE_WEIGHT * (rate - usual);
    return [];
  }
}
