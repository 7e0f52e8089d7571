import { errors } from '@elastic/elasticsearch';
import { UnavailableError, errorMessage } from '../errors.js';

/** HTTP statuses that mean "the cluster cannot take this now; the same request may succeed later". */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** The HTTP status of an Elasticsearch client error, when the server answered. */
export function elasticsearchStatus(err: unknown): number | undefined {
  return err instanceof errors.ResponseError ? err.statusCode : undefined;
}

/**
 * True when Elasticsearch could not be reached or could not serve the request right now (no
 * connection, timeout, overloaded, unavailable shards): worth waiting and retrying, unlike a 4xx.
 */
export function isElasticsearchUnavailable(err: unknown): boolean {
  if (
    err instanceof errors.ConnectionError ||
    err instanceof errors.TimeoutError ||
    err instanceof errors.NoLivingConnectionsError
  )
    return true;
  if (err instanceof errors.ProductNotSupportedError) return false;
  const status = elasticsearchStatus(err);
  return status !== undefined && RETRYABLE_STATUSES.has(status);
}

/** Turns an unavailable-class client error into our UnavailableError (gRPC UNAVAILABLE); other errors pass through. */
export function mapElasticsearchError(err: unknown, what: string): unknown {
  if (isElasticsearchUnavailable(err))
    return new UnavailableError(`Elasticsearch unavailable during ${what}: ${errorMessage(err)}`, { cause: err });
  return err;
}
