import { runMain, ServiceRuntime } from '@va/common';
import { loadConfig } from './config.js';

const SERVICE = 'ingest';

runMain(SERVICE, async () => {
  const config = loadConfig(process.env);
  const runtime = await ServiceRuntime.create(SERVICE, config.base);
  await runtime.connectNats(config.nats, []);

  const grpc = runtime.grpcServer(config.grpc);
  await grpc.start();
  runtime.running();
});
