import { createRegistry } from '@va/common';
import { DetectionBatch, type DeepPartial } from '@va/proto/va/common/v1/detection';
import { detectionBatchF32Codec, type DetectionBatchF32 } from './messages/detection-batch-reader.js';
import { SearchMetrics } from './metrics.js';

/** Fresh metrics on a throw-away registry, for unit tests. */
export function testMetrics(): SearchMetrics {
  return new SearchMetrics(createRegistry(), 'va_search_');
}

/** A DetectionBatch as the indexer receives it: encoded, then decoded by the indexer's own reader. */
export function receivedBatch(partial: DeepPartial<DetectionBatch>): DetectionBatchF32 {
  return detectionBatchF32Codec.decode(DetectionBatch.encode(DetectionBatch.fromPartial(partial)).finish());
}
