/**
 * Population Stability Index between two histograms over the same bins:
 *   PSI = sum_i (p_i - q_i) * ln(p_i / q_i)
 * with p the current and q the baseline share of bin i. Every bin gets `smoothing` extra counts
 * so an empty bin does not make the statistic infinite. Rule of thumb used in credit scoring
 * and model monitoring: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 significant shift.
 */
export function psi(current: ArrayLike<number>, baseline: ArrayLike<number>, smoothing = 0.5): number {
  if (current.length !== baseline.length) throw new Error('psi: histograms must have the same bins');
  const bins = current.length;
  let totalCurrent = 0;
  let totalBaseline = 0;
  for (let i = 0; i < bins; i++) {
    totalCurrent += (current[i] as number) + smoothing;
    totalBaseline += (baseline[i] as number) + smoothing;
  }
  let sum = 0;
  for (let i = 0; i < bins; i++) {
    const p = ((current[i] as number) + smoothing) / totalCurrent;
    const q = ((baseline[i] as number) + smoothing) / totalBaseline;
    sum += (p - q) * Math.log(p / q);
  }
  return sum;
}

/** Bin index of `value` in [min, max) split into `bins` equal bins; values outside go to the end bins. */
export function binOf(value: number, min: number, max: number, bins: number): number {
  const i = Math.floor(((value - min) / (max - min)) * bins);
  return i < 0 ? 0 : i >= bins ? bins - 1 : i;
}

/** Mean of the bin centres weighted by the counts: a readable summary to put next to the PSI. */
export function histogramMean(counts: ArrayLike<number>, min: number, max: number): number {
  let n = 0;
  let sum = 0;
  const width = (max - min) / counts.length;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    n += c;
    sum += c * (min + (i + 0.5) * width);
  }
  return n > 0 ? sum / n : 0;
}
