import type { JetStreamClient, JetStreamPublishOptions, PubAck } from 'nats';
import { Counter, type Registry } from 'prom-client';
import { ResourceExhaustedError } from '../errors.js';
import { streamOfSubject } from './streams.js';

/** Why JetStream refused to store a message: the stream is full (discard-new) or the message is too big. */
export type RefusalReason = 'max_bytes' | 'max_messages' | 'max_message_size' | 'store_failed';

/**
 * The refusal in a failed JetStream publish, or undefined when the failure was something else (a
 * timeout, no responders, a closed connection). A full stream answers 503 with err_code 10077 and
 * a description; 503 alone also means "no responders", so the description decides.
 */
export function publishRefusalReason(err: unknown): RefusalReason | undefined {
  const apiError = (err as { api_error?: { err_code?: number; description?: string } } | undefined)?.api_error;
  if (!apiError) return undefined;
  const description = apiError.description ?? '';
  if (/maximum bytes exceeded/i.test(description)) return 'max_bytes';
  if (/maximum messages( per subject)? exceeded/i.test(description)) return 'max_messages';
  if (/message size exceeds maximum/i.test(description)) return 'max_message_size';
  if (apiError.err_code === 10077) return 'store_failed';
  return undefined;
}

/** A publish JetStream refused: the stream is full, nothing stored was deleted to make room. */
export class StreamFullError extends ResourceExhaustedError {
  constructor(
    readonly stream: string,
    readonly reason: RefusalReason,
    options?: { cause?: unknown },
  ) {
    super(`JetStream stream ${stream} refused the message (${reason}): it is full and keeps what it holds`, options);
  }
}

/**
 * Counts publishes JetStream refused, by stream and reason, as <prefix>jetstream_publish_refused_total.
 * Every refused attempt counts: a publisher that retries within its budget counts each try; what it
 * finally gives up on is counted by its own drop metric.
 */
export class PublishRefusals {
  readonly refused: Counter<'stream' | 'reason'>;

  constructor(registry: Registry, prefix: string) {
    this.refused = new Counter({
      name: `${prefix}jetstream_publish_refused_total`,
      help: 'Publishes JetStream refused (stream full under discard-new, or message too big), each attempt, by stream and reason.',
      labelNames: ['stream', 'reason'],
      registers: [registry],
    });
  }

  /**
   * Publishes to JetStream; a refusal is counted and thrown as a StreamFullError, any other failure
   * is thrown as it came.
   */
  async publish(
    js: JetStreamClient,
    subject: string,
    data: Uint8Array,
    options?: Partial<JetStreamPublishOptions>,
  ): Promise<PubAck> {
    try {
      return await js.publish(subject, data, options);
    } catch (err) {
      throw this.note(subject, err) ?? err;
    }
  }

  /**
   * When `err` is a refusal, counts it and returns it as a StreamFullError (throw that); otherwise
   * returns undefined and the caller handles `err` as before.
   */
  note(subject: string, err: unknown): StreamFullError | undefined {
    const reason = publishRefusalReason(err);
    if (!reason) return undefined;
    const stream = streamOfSubject(subject) ?? 'unknown';
    this.refused.inc({ stream, reason });
    return new StreamFullError(stream, reason, { cause: err });
  }
}
