import { after, before } from 'node:test';
import type { NatsConnectionHandle } from '@va/common';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { connectTestNats, startTracking, type TrackingProcess } from '@va/harness/tracking-service';

export interface TrackingFixture {
  server: TestNatsServer;
  nats: NatsConnectionHandle;
  svc: TrackingProcess;
  /** Stops the service (graceful) and starts it again against the same NATS. */
  restart(env?: Record<string, string>): Promise<void>;
}

/**
 * For one test file: before its tests, a real nats-server, a connection with the streams and the
 * tracking service as a process; after them, all stopped and the server's data deleted.
 */
export function useTrackingFixture(env: Record<string, string> = {}): TrackingFixture {
  const fixture = {
    restart: async (next: Record<string, string> = env) => {
      await fixture.svc.proc.stop();
      fixture.svc = await startTracking(fixture.server, next);
    },
  } as TrackingFixture;
  before(async () => {
    fixture.server = await startNatsServer();
    fixture.nats = await connectTestNats(fixture.server);
    fixture.svc = await startTracking(fixture.server, env);
  });
  after(async () => {
    await fixture.svc?.proc.stop();
    await fixture.nats?.close();
    await fixture.server?.dispose();
  });
  return fixture;
}
