// @va/tracking/eval: the MOTChallenge evaluator (files, ground truth, metrics) for benchmarks and
// tests; the service itself never loads it.
export {
  GROUND_TRUTH_FORMATS,
  prepareSequence,
  type GroundTruthFormat,
  type PreparedSequence,
} from './ground-truth.js';
export { formatMot, parseMot, readMot, readSeqInfo, type MotRow } from './mot-file.js';
export { evaluateSequence, evaluateSequences, type MotMetrics } from './mot-metrics.js';
