import { createHash } from 'node:crypto';
import { headers as natsHeaders, type JsMsg } from 'nats';
import { subjects, type Logger, type NatsConnectionHandle } from '@va/common';
import type { IndexNames } from '../indices/index-names.js';
import type { SearchMetrics } from '../metrics.js';
import type { BulkIndexer, BulkOp } from './bulk-indexer.js';

/** A document given up on: Elasticsearch rejected it for good, or it could not be built at all. */
export interface Rejection {
  /** The op that failed; absent when no document could be built from the message. */
  op?: BulkOp;
  kind: BulkOp['kind'];
  docId: string;
  status: number;
  errorType: string;
  reason: string;
  eventTsMs: number;
}

const HEADER_VALUE_MAX = 400;

/**
 * Keeps what could not be indexed, in two places: the original message bytes on
 * va.deadletter.search-<kind>.<camera> (stream VA_DEAD_LETTERS, reason in headers; the copy that
 * counts) and a document in the dead-letters index for searching and dashboards. The message is
 * acked only after both (the NATS copy at least) are stored, so nothing is lost in between.
 */
export class DeadLetters {
  private readonly log: Logger;

  constructor(
    private readonly deps: {
      nats: NatsConnectionHandle;
      indexer: BulkIndexer;
      names: IndexNames;
      metrics: SearchMetrics;
      log: Logger;
    },
  ) {
    this.log = deps.log.child({ component: 'dead-letters' });
  }

  async send(
    msg: JsMsg,
    camera: string | undefined,
    rejections: readonly Rejection[],
    signal?: AbortSignal,
  ): Promise<void> {
    const { nats, indexer, names, metrics } = this.deps;
    const docs: BulkOp[] = [];
    for (const r of rejections) {
      const h = natsHeaders();
      h.set('Va-Service', 'embedding-search');
      h.set('Va-Reason', headerValue(r.reason));
      h.set('Va-Error-Type', headerValue(r.errorType));
      h.set('Va-Status', String(r.status));
      h.set('Va-Index', r.op?.index ?? names.alias(r.kind));
      h.set('Va-Doc-Id', headerValue(r.docId));
      h.set('Va-Source-Subject', msg.subject);
      h.set('Va-Source-Seq', String(msg.info.streamSequence));
      const key = digest(`${r.kind}\n${r.docId}`);
      // Same id on a redelivery: JetStream's duplicate window keeps one copy.
      await nats.js.publish(subjects.deadLetter(`search-${r.kind}`, camera ?? 'unknown'), msg.data, {
        msgID: `search-dl-${key}`,
        headers: h,
      });
      metrics.deadLetters.inc({ index: r.kind, reason: r.errorType });
      this.log.warn(
        {
          kind: r.kind,
          docId: r.docId.slice(0, 200),
          status: r.status,
          errorType: r.errorType,
          reason: r.reason.slice(0, 300),
          subject: msg.subject,
        },
        'document dead-lettered',
      );
      const ts = r.eventTsMs > 0 ? r.eventTsMs : Date.now();
      docs.push({
        kind: 'dead-letters',
        index: names.daily('dead-letters', ts),
        id: key,
        doc: {
          '@timestamp': ts,
          camera_id: camera ?? 'unknown',
          dead_lettered_ts: Date.now(),
          kind: r.kind,
          target_index: r.op?.index ?? names.alias(r.kind),
          doc_id: r.docId,
          status: r.status,
          error_type: r.errorType,
          reason: r.reason,
          subject: msg.subject,
          stream_seq: msg.info.streamSequence,
          document: r.op ? JSON.stringify(r.op.doc).slice(0, 1_000_000) : '',
        },
      });
    }
    const { settled } = await indexer.submit(docs, signal);
    const outcomes = await settled;
    for (const [i, o] of outcomes.entries()) {
      if (o.ok) continue;
      // The NATS copy is stored; only the searchable copy is missing.
      metrics.deadLetterIndexFailures.inc();
      this.log.error(
        { docId: docs[i]?.id, status: o.status, reason: o.reason },
        'dead letter kept on NATS but not indexed',
      );
    }
  }
}

function headerValue(value: string): string {
  // NATS headers are single-line ASCII.
  return value.replace(/[^\x20-\x7e]/g, ' ').slice(0, HEADER_VALUE_MAX);
}

function digest(value: string): string {
  return createHash('sha1').update(value).digest('hex');
}
