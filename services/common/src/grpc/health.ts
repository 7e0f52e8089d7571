import { EventEmitter } from 'node:events';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthService,
  type HealthCheckResponse,
} from '@va/proto/grpc/health/v1/health';
import { NotFoundError } from '../errors.js';
import type { AsyncService, MethodRoles } from './server.js';

export { ServingStatus };

/**
 * grpc.health.v1 with a status per service name and '' for the whole server.
 * Watch streams the current status and every change until the call ends.
 */
export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>([['', ServingStatus.NOT_SERVING]]);
  private readonly changes = new EventEmitter();

  constructor() {
    this.changes.setMaxListeners(0);
  }

  register(service: string, status = ServingStatus.NOT_SERVING): void {
    this.set(service, status);
  }

  set(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    this.changes.emit('change', service, status);
  }

  /** Sets every registered service, and the server as a whole. */
  setAll(status: ServingStatus): void {
    for (const service of [...this.statuses.keys()]) this.set(service, status);
  }

  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  readonly definition = HealthService;

  readonly roles: MethodRoles<typeof HealthService> = { check: 'public', list: 'public', watch: 'public' };

  readonly implementation: AsyncService<typeof HealthService> = {
    check: async (request) => {
      const status = this.statuses.get(request.service);
      if (status === undefined) throw new NotFoundError(`unknown service "${request.service}"`);
      return { status };
    },
    list: async () => {
      const statuses: Record<string, HealthCheckResponse> = {};
      for (const [service, status] of this.statuses) statuses[service] = { status };
      return { statuses };
    },
    watch: async (request, sink) => {
      let last: ServingStatus | undefined;
      const send = async (status: ServingStatus) => {
        if (status === last) return;
        last = status;
        await sink.write({ status });
      };
      await send(this.statuses.get(request.service) ?? ServingStatus.SERVICE_UNKNOWN);
      const queue: ServingStatus[] = [];
      let wake: (() => void) | undefined;
      const onChange = (service: string, status: ServingStatus) => {
        if (service !== request.service) return;
        queue.push(status);
        wake?.();
      };
      this.changes.on('change', onChange);
      const onAbort = () => wake?.();
      sink.signal.addEventListener('abort', onAbort);
      try {
        while (!sink.signal.aborted) {
          const next = queue.shift();
          if (next === undefined) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
            continue;
          }
          await send(next);
        }
      } finally {
        this.changes.off('change', onChange);
        sink.signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
