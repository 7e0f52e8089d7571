import { createClient, unary, type GrpcClientConfig } from '@va/common';
import { HealthClient, HealthCheckResponse_ServingStatus } from '@va/common/gen/grpc/health/v1/health';

export { HealthCheckResponse_ServingStatus as ServingStatus };

/** The health status of `service` ('' for the server) at address, or the gRPC error. */
export async function healthStatus(address: string, service = ''): Promise<HealthCheckResponse_ServingStatus> {
  const client = createClient(HealthClient, { address } satisfies GrpcClientConfig);
  try {
    const res = await unary(client.check.bind(client), { service }, { deadlineMs: 2_000 });
    return res.status;
  } finally {
    client.close();
  }
}

/** The gRPC status code of a rejected call, or 'OK'. */
export async function codeOf(promise: Promise<unknown>): Promise<number | 'OK'> {
  try {
    await promise;
    return 'OK';
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'number') throw err;
    return code;
  }
}
