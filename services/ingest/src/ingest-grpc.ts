import type { AsyncService, MethodRoles } from '@va/common';
import type { IngestServiceService } from '@va/proto/va/ingest/v1/ingest';
import type { StreamManager } from './stream-manager.js';

type Definition = typeof IngestServiceService;

/** va.ingest.v1.IngestService over the stream manager. */
export function ingestService(streams: StreamManager): AsyncService<Definition> {
  return {
    addStream: async ({ spec }) => ({ status: await streams.add(spec) }),
    updateStream: async ({ spec }) => ({ status: await streams.update(spec) }),
    removeStream: async ({ cameraId }) => {
      await streams.remove(cameraId);
      return {};
    },
    getStream: async ({ cameraId }) => ({ status: streams.get(cameraId) }),
    listStreams: async () => ({ streams: streams.list() }),
  };
}

/** Operators change streams; viewers read them. */
export const INGEST_ROLES: MethodRoles<Definition> = {
  addStream: 'operator',
  updateStream: 'operator',
  removeStream: 'operator',
  getStream: 'viewer',
  listStreams: 'viewer',
};
