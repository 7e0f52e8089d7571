// Provisions the JetStream streams as the admin NATS user, before the services start (their own
// users may not create or change streams): the local stack runs it after nats-server starts,
// Compose as the one-shot `nats-provision`, Kubernetes as the Job `nats-provision`.
//   NATS_URL=... NATS_USER=admin NATS_PASSWORD_FILE=... node services/common/dist/nats/provision-cli.js
// The same VA_JS_* keys as the services set the limits. Safe to run again: it updates limits.
import { loadNatsConfig } from '../config/nats.js';
import { createLogger } from '../log.js';
import { runMain } from '../runtime.js';
import { NatsConnectionHandle } from './connection.js';
import { ensureStreams, STREAMS, type StreamKey } from './streams.js';

runMain('nats-provision', async () => {
  const config = loadNatsConfig(process.env);
  const log = createLogger('nats-provision', process.env.VA_LOG_LEVEL ?? 'info');
  const nats = await NatsConnectionHandle.connect(config, { name: 'nats-provision', log, timeoutMs: 10_000 });
  try {
    const keys = Object.keys(STREAMS) as StreamKey[];
    await ensureStreams(nats.jsm, keys, config.jetstream);
    log.info(
      { streams: keys.map((k) => STREAMS[k].name), user: config.user ?? '(none)' },
      'JetStream streams provisioned',
    );
  } finally {
    await nats.close();
  }
});
