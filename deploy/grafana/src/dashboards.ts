import { inferenceBatching } from './inference-batching.js';
import type { Dashboard } from './model.js';
import { perCamera } from './per-camera.js';
import { pipelineOverview } from './pipeline-overview.js';
import { sanityFlags } from './sanity-flags.js';
import { searchIndexing } from './search-indexing.js';
import { tracking } from './tracking.js';

/** Every provisioned dashboard, in the order an on-call engineer reads them. */
export const DASHBOARDS: Dashboard[] = [
  pipelineOverview,
  perCamera,
  inferenceBatching,
  tracking,
  searchIndexing,
  sanityFlags,
];
