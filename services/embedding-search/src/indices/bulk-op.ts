import type { IndexKind } from './index-names.js';

/** One document to write. The id is derived from the message, so a redelivery overwrites instead of duplicating. */
export interface BulkOp {
  kind: IndexKind;
  index: string;
  id: string;
  doc: Record<string, unknown>;
  /** External versioning: Elasticsearch keeps the highest version, and an older write counts as superseded. */
  version?: { value: number; type: 'external' | 'external_gte' };
  /** Event time, for the capture -> indexed histogram. */
  eventTsMs?: number;
}
