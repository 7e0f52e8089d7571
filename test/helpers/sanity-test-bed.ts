import { after, before } from 'node:test';
import type { NatsConnectionHandle } from '@va/common';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { connectTestNats, startSanityService, type SanityService } from '@va/harness/sanity-service';

export interface SanityTestBed {
  server: TestNatsServer;
  nats: NatsConnectionHandle;
  service: SanityService;
}

/**
 * For a describe block: before its tests, a real nats-server, the service as a process with `env`,
 * and a connection for the test; after them, all three gone. The fields are set once `before` ran.
 */
export function sanityTestBed(env: Record<string, string> = {}): SanityTestBed {
  const bed = {} as SanityTestBed;
  before(async () => {
    bed.server = await startNatsServer();
    bed.service = await startSanityService(bed.server.url, env);
    bed.nats = await connectTestNats(bed.server.url);
  });
  after(async () => {
    await bed.nats?.close();
    await bed.service?.stop();
    await bed.server?.dispose();
  });
  return bed;
}
