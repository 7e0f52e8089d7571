/**
 * One error class per failure. Each carries a transport-neutral `code`; only the
 * edges (gRPC handlers, NATS consumers) translate it into a status or header.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'DEADLINE_EXCEEDED'
  | 'UNAVAILABLE'
  | 'CANCELLED'
  | 'INTERNAL';

export abstract class VaError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidArgumentError extends VaError {
  readonly code = 'INVALID_ARGUMENT';
  constructor(
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class NotFoundError extends VaError {
  readonly code = 'NOT_FOUND';
}

export class AlreadyExistsError extends VaError {
  readonly code = 'ALREADY_EXISTS';
}

export class UnauthenticatedError extends VaError {
  readonly code = 'UNAUTHENTICATED';
}

export class PermissionDeniedError extends VaError {
  readonly code = 'PERMISSION_DENIED';
  constructor(
    readonly method: string,
    readonly role: string,
    readonly requiredRole: string,
  ) {
    super(`role ${role} may not call ${method} (needs ${requiredRole})`);
  }
}

export class FailedPreconditionError extends VaError {
  readonly code = 'FAILED_PRECONDITION';
}

/** A bounded queue or a rate limit refused the work. */
export class ResourceExhaustedError extends VaError {
  readonly code = 'RESOURCE_EXHAUSTED';
}

export class DeadlineExceededError extends VaError {
  readonly code = 'DEADLINE_EXCEEDED';
}

/** A dependency (NATS, Elasticsearch, another service) cannot be reached. */
export class UnavailableError extends VaError {
  readonly code = 'UNAVAILABLE';
}

export class CancelledError extends VaError {
  readonly code = 'CANCELLED';
}

/** A payload on the bus or in a request could not be decoded. */
export class MalformedMessageError extends VaError {
  readonly code = 'INVALID_ARGUMENT';
  constructor(
    readonly messageType: string,
    readonly subject: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`malformed ${messageType}${subject ? ` on ${subject}` : ''}: ${describeCause(options?.cause)}`, options);
  }
}

export interface ConfigIssue {
  key: string;
  message: string;
}

/** Every bad configuration key at once, so an operator fixes them in one go. */
export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(
      `invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${i.key}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return cause === undefined ? 'unknown reason' : String(cause);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
