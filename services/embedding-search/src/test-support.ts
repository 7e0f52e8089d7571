import { createRegistry } from '@va/common';
import { SearchMetrics } from './metrics.js';

/** Fresh metrics on a throw-away registry, for unit tests. */
export function testMetrics(): SearchMetrics {
  return new SearchMetrics(createRegistry(), 'va_search_');
}
