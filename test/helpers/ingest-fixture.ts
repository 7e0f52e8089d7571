import { after, before } from 'node:test';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { startIngest, type IngestUnderTest } from '@va/harness/ingest-service';

/**
 * A real nats-server and ingest process for one test file: started in `before`, stopped in
 * `after`. `env` may be a function, evaluated when the file's tests start.
 */
export function ingestFixture(env: Record<string, string> | (() => Record<string, string>) = {}): {
  nats: TestNatsServer;
  ingest: IngestUnderTest;
} {
  const fixture = {} as { nats: TestNatsServer; ingest: IngestUnderTest };
  before(async () => {
    fixture.nats = await startNatsServer();
    fixture.ingest = await startIngest(fixture.nats, typeof env === 'function' ? env() : env);
  });
  after(async () => {
    await fixture.ingest?.stop();
    await fixture.nats?.dispose();
  });
  return fixture;
}
