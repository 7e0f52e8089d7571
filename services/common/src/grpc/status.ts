import { status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import { VaError, type ErrorCode } from '../errors.js';

const CODE_TO_STATUS: Record<ErrorCode, GrpcStatus> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  CANCELLED: GrpcStatus.CANCELLED,
  INTERNAL: GrpcStatus.INTERNAL,
};

/** The gRPC status names used as the grpc_code metric label. */
export function statusName(code: GrpcStatus): string {
  return GrpcStatus[code] ?? 'UNKNOWN';
}

/**
 * Our errors become their status with their message; a status error from a downstream
 * gRPC call keeps its code; anything else is INTERNAL with a generic message (the details
 * go to the log, not to the client).
 */
export function toStatus(
  err: unknown,
): Partial<StatusObject> & { code: GrpcStatus; details: string; internal: boolean } {
  if (err instanceof VaError) {
    return { code: CODE_TO_STATUS[err.code], details: err.message, internal: err.code === 'INTERNAL' };
  }
  if (isStatusError(err)) {
    return { code: err.code, details: err.details ?? err.message, internal: false, metadata: new Metadata() };
  }
  return { code: GrpcStatus.INTERNAL, details: 'internal error', internal: true };
}

function isStatusError(err: unknown): err is { code: GrpcStatus; details?: string; message: string } {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'number' &&
    (err as { code: number }).code in GrpcStatus &&
    typeof (err as { message?: unknown }).message === 'string'
  );
}
