import type { JsMsg } from 'nats';
import { errorMessage, type Logger } from '@va/common';
import type { SearchMetrics } from '../metrics.js';
import { WakeList } from '../wake-list.js';
import type { BulkIndexer, BulkOp, OpOutcome } from './bulk-indexer.js';
import type { DeadLetters, Rejection } from './dead-letters.js';

/** What one bus message turns into: documents to write, and documents that could not even be built. */
export interface Produced {
  ops: BulkOp[];
  rejections: Rejection[];
}

export interface MessagePipelineOptions {
  indexer: BulkIndexer;
  deadLetters: DeadLetters;
  metrics: SearchMetrics;
  log: Logger;
  /** The consumers' ack wait: messages held longer than a third of it are kept alive with +WPI. */
  ackWaitMs: number;
  /** Aborted at shutdown: stops waiting for buffer room. */
  signal: AbortSignal;
}

/**
 * The ack rule: a message is acked only after every document made from it was accepted by
 * Elasticsearch or dead-lettered. Until then it stays unacked in JetStream (kept alive while it
 * waits in the buffer), so a crash anywhere means redelivery, and deterministic ids make the
 * redelivery overwrite rather than duplicate.
 */
export class MessagePipeline {
  private readonly pending = new Map<JsMsg, number>();
  private readonly keepAlive: NodeJS.Timeout;
  private readonly idleWaiters = new WakeList();
  private readonly log: Logger;

  constructor(private readonly options: MessagePipelineOptions) {
    this.log = options.log.child({ component: 'message-pipeline' });
    const every = Math.max(250, Math.floor(options.ackWaitMs / 3));
    this.keepAlive = setInterval(() => this.touch(every), every);
    this.keepAlive.unref();
  }

  get unacked(): number {
    return this.pending.size;
  }

  /** Hands the message's documents to the bulk indexer; resolves once they are buffered, not indexed. */
  async process(msg: JsMsg, camera: string | undefined, produced: Produced): Promise<void> {
    if (produced.ops.length === 0 && produced.rejections.length === 0) {
      msg.ack();
      return;
    }
    this.pending.set(msg, Date.now());
    this.options.metrics.unackedMessages.set(this.pending.size);
    let settled: Promise<OpOutcome[]>;
    try {
      ({ settled } = await this.options.indexer.submit(produced.ops, this.options.signal));
    } catch (err) {
      this.release(msg);
      throw err;
    }
    void settled.then((outcomes) => this.finish(msg, camera, produced, outcomes));
  }

  /** Resolves when every message handed over is acked or nak'ed, or when `signal` aborts. */
  async drain(signal?: AbortSignal): Promise<void> {
    while (this.pending.size > 0 && !signal?.aborted) await this.idleWaiters.wait(signal);
  }

  close(): void {
    clearInterval(this.keepAlive);
  }

  private async finish(
    msg: JsMsg,
    camera: string | undefined,
    produced: Produced,
    outcomes: OpOutcome[],
  ): Promise<void> {
    const rejections: Rejection[] = [...produced.rejections];
    outcomes.forEach((o, i) => {
      const op = produced.ops[i] as BulkOp;
      if (!o.ok)
        rejections.push({
          op,
          kind: op.kind,
          docId: op.id,
          status: o.status,
          errorType: o.errorType,
          reason: o.reason,
          eventTsMs: op.eventTsMs ?? 0,
        });
    });
    try {
      if (rejections.length > 0) await this.options.deadLetters.send(msg, camera, rejections, this.options.signal);
      msg.ack();
    } catch (err) {
      // Not acked: JetStream redelivers, the documents are rewritten under the same ids and the dead letter is tried again.
      this.log.error(
        { err: errorMessage(err), subject: msg.subject },
        'could not dead-letter; message will be redelivered',
      );
      msg.nak(5_000);
    } finally {
      this.release(msg);
    }
  }

  private release(msg: JsMsg): void {
    this.pending.delete(msg);
    this.options.metrics.unackedMessages.set(this.pending.size);
    if (this.pending.size === 0) this.idleWaiters.wakeAll();
  }

  private touch(olderThanMs: number): void {
    const cutoff = Date.now() - olderThanMs;
    for (const [msg, since] of this.pending) if (since < cutoff) msg.working();
  }
}
