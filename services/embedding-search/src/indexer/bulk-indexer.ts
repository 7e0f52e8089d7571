import type { Client, estypes } from '@elastic/elasticsearch';
import {
  CancelledError,
  RETRYABLE_STATUSES,
  elasticsearchStatus,
  errorMessage,
  isElasticsearchUnavailable,
  type Logger,
} from '@va/common';
import type { IndexerConfig } from '../config.js';
import type { ElasticsearchHealth } from '../elasticsearch-health.js';
import type { BulkOp } from '../indices/bulk-op.js';
import type { IndexKind } from '../indices/index-names.js';
import type { SearchMetrics } from '../metrics.js';
import { WakeList } from '../wake-list.js';

// What the bulk indexer takes; defined in indices/ so that document builders need not import the indexer.
export type { BulkOp } from '../indices/bulk-op.js';

export type OpOutcome =
  | { ok: true; result: 'created' | 'updated' | 'superseded' }
  | { ok: false; status: number; errorType: string; reason: string };

interface Entry {
  kind: IndexKind;
  versioned: boolean;
  eventTsMs: number | undefined;
  line: string;
  bytes: number;
  attempts: number;
  notBefore: number;
  resolve: (outcome: OpOutcome) => void;
}

/** Returned by submit: a promise wrapped so that awaiting submit() waits only for buffer room. */
export interface Submission {
  settled: Promise<OpOutcome[]>;
}

export interface BulkIndexerOptions {
  client: Client;
  health: ElasticsearchHealth;
  config: Pick<IndexerConfig, 'bulk' | 'buffer' | 'retry'>;
  metrics: SearchMetrics;
  log: Logger;
}

const FILTER_PATH = [
  'errors',
  'items.*.status',
  'items.*.result',
  'items.*.error.type',
  'items.*.error.reason',
  'items.*.error.caused_by.reason',
];

/**
 * Buffers documents from every consumer and writes them with _bulk: a request goes out when it
 * holds VA_SEARCH_BULK_MAX_DOCS documents or VA_SEARCH_BULK_MAX_BYTES, or when its oldest document
 * has waited VA_SEARCH_BULK_FLUSH_MS. Every document settles exactly once: accepted, or rejected
 * for good (a 4xx such as a mapping conflict, or a 429/5xx still failing after the item retries).
 * A request that fails as a whole (cluster unreachable, overloaded, auth) is never given up on:
 * the documents go back to the queue and wait until Elasticsearch is available again.
 *
 * Memory is bounded: submit() waits while the documents held (queued, in flight or waiting to
 * retry) would exceed VA_SEARCH_BUFFER_MAX_DOCS / _BYTES, and while Elasticsearch is unavailable;
 * the consumers await it, so back-pressure reaches JetStream.
 */
export class BulkIndexer {
  private queue: Entry[] = [];
  private delayed: Entry[] = [];
  private queuedBytes = 0;
  private oldestQueuedAt = 0;
  private heldDocs = 0;
  private heldBytes = 0;
  private inFlight = 0;
  private batchCap: number;
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private waitingForHealth = false;
  private draining = false;
  private closed = false;
  private readonly roomWaiters = new WakeList();
  private readonly idleWaiters = new WakeList();
  private readonly log: Logger;

  constructor(private readonly options: BulkIndexerOptions) {
    this.log = options.log.child({ component: 'bulk-indexer' });
    this.batchCap = options.config.bulk.maxDocs;
  }

  /** Documents held right now (for tests and shutdown logs). */
  get held(): { docs: number; bytes: number } {
    return { docs: this.heldDocs, bytes: this.heldBytes };
  }

  /**
   * Waits for room in the buffer (and for Elasticsearch), then takes the documents. The returned
   * `settled` resolves with one outcome per op, in order, once each is final.
   */
  async submit(ops: readonly BulkOp[], signal?: AbortSignal): Promise<Submission> {
    if (ops.length === 0) return { settled: Promise.resolve([]) };
    const entries = ops.map((op) => this.entryFor(op));
    const bytes = entries.reduce((sum, e) => sum + e.bytes, 0);
    await this.waitForRoom(entries.length, bytes, signal);
    this.heldDocs += entries.length;
    this.heldBytes += bytes;
    this.updateGauges();
    const settled = Promise.all(
      entries.map(
        (entry) =>
          new Promise<OpOutcome>((resolve) => {
            entry.resolve = (outcome) => {
              this.heldDocs--;
              this.heldBytes -= entry.bytes;
              this.updateGauges();
              resolve(outcome);
              this.wakeWaiters();
            };
          }),
      ),
    );
    this.enqueue(entries, false);
    this.schedule();
    return { settled };
  }

  /** Sends everything held without waiting for the flush interval; resolves when nothing is held or `signal` aborts. */
  async flushAll(signal?: AbortSignal): Promise<void> {
    this.draining = true;
    this.schedule();
    while (this.heldDocs > 0 && !signal?.aborted) await this.idleWaiters.wait(signal);
  }

  /** Stops sending. Documents still held are not acked, so JetStream redelivers their messages later. */
  close(): void {
    this.closed = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
    if (this.heldDocs > 0)
      this.log.warn(
        { docs: this.heldDocs },
        'closed with documents not yet accepted; their messages will be redelivered',
      );
  }

  private entryFor(op: BulkOp): Entry {
    const action: Record<string, unknown> = { _index: op.index, _id: op.id };
    if (op.version) {
      action.version = op.version.value;
      action.version_type = op.version.type;
    }
    const line = `${JSON.stringify({ index: action })}\n${JSON.stringify(op.doc)}\n`;
    return {
      kind: op.kind,
      versioned: op.version !== undefined,
      eventTsMs: op.eventTsMs,
      line,
      // UTF-16 length: equal to the UTF-8 size for ASCII, close enough for sizing requests.
      bytes: line.length,
      attempts: 0,
      notBefore: 0,
      resolve: () => {},
    };
  }

  private async waitForRoom(docs: number, bytes: number, signal?: AbortSignal): Promise<void> {
    const { maxDocs, maxBytes } = this.options.config.buffer;
    for (;;) {
      if (this.closed) throw new CancelledError('bulk indexer closed');
      await this.options.health.whenAvailable(signal);
      const fits = this.heldDocs === 0 || (this.heldDocs + docs <= maxDocs && this.heldBytes + bytes <= maxBytes);
      if (fits) return;
      await this.roomWaiters.wait(signal, () => new CancelledError('stopped while waiting for buffer room'));
    }
  }

  private wakeWaiters(): void {
    this.roomWaiters.wakeAll();
    if (this.heldDocs === 0) this.idleWaiters.wakeAll();
  }

  private updateGauges(): void {
    this.options.metrics.bufferDocs.set(this.heldDocs);
    this.options.metrics.bufferBytes.set(this.heldBytes);
  }

  private enqueue(entries: Entry[], atFront: boolean): void {
    if (this.queue.length === 0) this.oldestQueuedAt = Date.now();
    if (atFront) this.queue.unshift(...entries);
    else this.queue.push(...entries);
    for (const e of entries) this.queuedBytes += e.bytes;
  }

  private schedule(): void {
    if (this.closed) return;
    const { maxBytes, flushMs, concurrency } = this.options.config.bulk;
    if (!this.options.health.available) {
      if (!this.waitingForHealth && this.queue.length > 0) {
        this.waitingForHealth = true;
        void this.options.health.whenAvailable().then(() => {
          this.waitingForHealth = false;
          this.schedule();
        });
      }
      return;
    }
    while (this.inFlight < concurrency && this.queue.length > 0) {
      const full = this.queue.length >= this.batchCap || this.queuedBytes >= maxBytes;
      const due = this.draining || Date.now() - this.oldestQueuedAt >= flushMs;
      if (!full && !due) break;
      void this.send(this.takeBatch());
    }
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.queue.length > 0 && this.inFlight < concurrency) {
      const wait = Math.max(1, flushMs - (Date.now() - this.oldestQueuedAt));
      this.flushTimer = setTimeout(() => this.schedule(), wait);
    }
  }

  private takeBatch(): Entry[] {
    const { maxBytes } = this.options.config.bulk;
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length && n < this.batchCap) {
      const next = this.queue[n] as Entry;
      if (n > 0 && bytes + next.bytes > maxBytes) break;
      bytes += next.bytes;
      n++;
    }
    const batch = this.queue.splice(0, n);
    this.queuedBytes -= bytes;
    this.oldestQueuedAt = Date.now();
    return batch;
  }

  private async send(batch: Entry[]): Promise<void> {
    const { client, metrics } = this.options;
    this.inFlight++;
    const endTimer = metrics.bulkDuration.startTimer();
    metrics.bulkDocs.observe(batch.length);
    try {
      // A prepared NDJSON string goes out as is; the client does not serialize it again.
      const response = await client.bulk({
        operations: batch.map((e) => e.line).join('') as never,
        filter_path: FILTER_PATH,
      });
      endTimer({ outcome: response.errors ? 'partial' : 'ok' });
      this.batchCap = this.options.config.bulk.maxDocs;
      this.settleItems(batch, response.items);
    } catch (err) {
      endTimer({ outcome: 'failed' });
      this.requestFailed(batch, err);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }

  private settleItems(batch: Entry[], items: estypes.BulkResponse['items']): void {
    const { metrics, config } = this.options;
    const now = Date.now();
    batch.forEach((entry, i) => {
      const item = items[i] ? Object.values(items[i])[0] : undefined;
      const status = item?.status ?? 0;
      if (status >= 200 && status < 300) {
        const result = item?.result === 'created' ? 'created' : 'updated';
        metrics.indexedDocs.inc({ index: entry.kind, result });
        if (entry.eventTsMs)
          metrics.captureToIndexed.observe({ index: entry.kind }, Math.max(0, now - entry.eventTsMs) / 1000);
        entry.resolve({ ok: true, result });
        return;
      }
      if (status === 409 && entry.versioned) {
        metrics.indexedDocs.inc({ index: entry.kind, result: 'superseded' });
        entry.resolve({ ok: true, result: 'superseded' });
        return;
      }
      metrics.itemFailures.inc({ index: entry.kind, status: String(status) });
      const errorType = item?.error?.type ?? (item ? 'unknown' : 'missing_item');
      const reason =
        [item?.error?.reason, item?.error?.caused_by?.reason].filter(Boolean).join(': ') || `status ${status}`;
      if (RETRYABLE_STATUSES.has(status) && entry.attempts < config.retry.maxItemRetries) {
        entry.attempts++;
        metrics.retries.inc({ index: entry.kind, reason: String(status) });
        this.retryLater(entry);
        return;
      }
      const gaveUp = RETRYABLE_STATUSES.has(status) ? `gave up after ${entry.attempts} retries: ` : '';
      entry.resolve({ ok: false, status, errorType, reason: gaveUp + reason });
    });
  }

  private requestFailed(batch: Entry[], err: unknown): void {
    const { metrics, health } = this.options;
    const status = elasticsearchStatus(err);
    if (status === 413 && batch.length > 1) {
      this.batchCap = Math.max(1, Math.floor(batch.length / 2));
      this.log.warn(
        { docs: batch.length, nextCap: this.batchCap },
        'bulk request too large for the cluster; splitting',
      );
      metrics.bulkFailures.inc({ reason: 'too_large' });
      this.enqueue(batch, true);
      return;
    }
    const retry = status === undefined || isElasticsearchUnavailable(err) || status === 401 || status === 403;
    if (retry) {
      metrics.bulkFailures.inc({ reason: status ? String(status) : 'unreachable' });
      for (const e of batch) metrics.retries.inc({ index: e.kind, reason: 'request' });
      this.enqueue(batch, true);
      health.reportFailure(err);
      return;
    }
    // The cluster refused this request's content as a whole: each document is rejected.
    metrics.bulkFailures.inc({ reason: String(status) });
    for (const e of batch) {
      metrics.itemFailures.inc({ index: e.kind, status: String(status) });
      e.resolve({ ok: false, status, errorType: 'bulk_request_rejected', reason: errorMessage(err).slice(0, 500) });
    }
  }

  private retryLater(entry: Entry): void {
    const { baseMs, maxMs } = this.options.config.retry;
    const backoff = Math.min(maxMs, baseMs * 2 ** (entry.attempts - 1));
    entry.notBefore = Date.now() + backoff * (0.8 + Math.random() * 0.4);
    this.delayed.push(entry);
    this.armRetryTimer();
  }

  private armRetryTimer(): void {
    clearTimeout(this.retryTimer);
    if (this.delayed.length === 0 || this.closed) return;
    const next = Math.min(...this.delayed.map((e) => e.notBefore));
    this.retryTimer = setTimeout(
      () => {
        const now = Date.now();
        const due = this.delayed.filter((e) => e.notBefore <= now);
        this.delayed = this.delayed.filter((e) => e.notBefore > now);
        if (due.length > 0) {
          this.enqueue(due, true);
          this.schedule();
        }
        this.armRetryTimer();
      },
      Math.max(1, next - Date.now()),
    );
  }
}
