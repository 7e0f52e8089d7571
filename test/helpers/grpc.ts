import { createClient, unary, type GrpcClientConfig } from '@va/common';
import { HealthClient, HealthCheckResponse_ServingStatus } from '@va/proto/grpc/health/v1/health';

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
  return (await outcomeOf(promise)).code;
}

/** The gRPC status code and details of a call ('OK' and '' when it succeeds); anything but a gRPC error is rethrown. */
export async function outcomeOf(promise: Promise<unknown>): Promise<{ code: number | 'OK'; details: string }> {
  try {
    await promise;
    return { code: 'OK', details: '' };
  } catch (err) {
    const { code, details } = err as { code?: unknown; details?: string };
    if (typeof code !== 'number') throw err;
    return { code, details: details ?? '' };
  }
}
