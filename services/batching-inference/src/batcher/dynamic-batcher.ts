import { CancelledError, DeadlineExceededError, ResourceExhaustedError, UnavailableError } from '@va/common';
import { realScheduler, type Scheduler } from './scheduler.js';

export interface BatcherOptions {
  /** Name used in error messages. */
  name: string;
  maxBatchSize: number;
  /** Sizes sent as soon as they can be formed; empty: maxBatchSize is the only preferred size. */
  preferredBatchSizes: readonly number[];
  /** How long the oldest request may wait for a preferred batch to form. 0: send what is there. */
  maxQueueDelayMs: number;
  maxQueueSize: number;
  /** Default time a request may wait in the queue. */
  timeoutMs: number;
  /** Priority levels, 1 the highest. */
  priorityLevels: number;
  /** Batches executing at once (model instances). */
  instances?: number;
}

/** Runs one batch; a result per item, in order, or an Error for items that failed alone. */
export type BatchExecutor<T, R> = (items: T[]) => Promise<Array<R | Error>>;

export interface SubmitOptions {
  /** 1 (highest) .. priorityLevels; default the lowest. */
  priority?: number;
  /** Overrides the default queue timeout. */
  timeoutMs?: number;
  /** Aborting removes the request while it is still queued. */
  signal?: AbortSignal;
}

export interface BatchResult<R> {
  value: R;
  /** Enqueue to dispatch. */
  queueMs: number;
  /** Dispatch to completion of the whole batch. */
  computeMs: number;
  batchSize: number;
}

export type RejectReason = 'queue_full' | 'timeout' | 'cancelled' | 'closed';

/** Hooks for metrics; every one optional. */
export interface BatcherObserver {
  rejected?(reason: RejectReason): void;
  executed?(batch: { size: number; queueMs: number[]; computeMs: number }): void;
  completed?(ok: boolean, error?: Error): void;
  depth?(depth: number): void;
}

export interface BatcherStats {
  /** Requests executed (Triton's inference count). */
  inferenceCount: number;
  /** Batches executed (Triton's execution count). */
  executionCount: number;
  successCount: number;
  failureCount: number;
  rejectedCount: number;
  timeoutCount: number;
  cancelledCount: number;
  queueMsTotal: number;
  computeMsTotal: number;
  batchSizeCounts: Map<number, number>;
}

interface Pending<T, R> {
  item: T;
  enqueuedAt: number;
  deadline: number;
  resolve: (result: BatchResult<R>) => void;
  reject: (err: Error) => void;
  unlisten?: () => void;
}

/**
 * A dynamic batcher with Triton's semantics. Requests from every caller share one bounded
 * queue (per priority level). A batch is sent:
 *  - at once when a preferred batch size can be formed (the largest one available), or when
 *    the queue holds the largest preferred size (maxBatchSize when none is configured);
 *  - otherwise when the oldest request has waited maxQueueDelayMs, with everything queued
 *    (up to maxBatchSize).
 * A full queue refuses new requests (RESOURCE_EXHAUSTED); a request still queued after its
 * timeout is rejected (DEADLINE_EXCEEDED). Executing batches are never interrupted.
 */
export class DynamicBatcher<T, R> {
  private readonly queues: Array<Array<Pending<T, R>>>;
  private size = 0;
  private busy = 0;
  private closed = false;
  private cancelTimer: (() => void) | undefined;
  private timerAt = Infinity;
  private earliestDeadline = Infinity;
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  private readonly maxPreferred: number;
  private readonly preferred: number[];
  readonly stats: BatcherStats = {
    inferenceCount: 0,
    executionCount: 0,
    successCount: 0,
    failureCount: 0,
    rejectedCount: 0,
    timeoutCount: 0,
    cancelledCount: 0,
    queueMsTotal: 0,
    computeMsTotal: 0,
    batchSizeCounts: new Map(),
  };

  constructor(
    readonly options: BatcherOptions,
    private readonly execute: BatchExecutor<T, R>,
    private readonly scheduler: Scheduler = realScheduler,
    private readonly observer: BatcherObserver = {},
  ) {
    if (options.maxBatchSize < 1) throw new RangeError('maxBatchSize must be >= 1');
    this.preferred = [...new Set(options.preferredBatchSizes.filter((p) => p >= 1 && p <= options.maxBatchSize))].sort(
      (a, b) => a - b,
    );
    this.maxPreferred =
      this.preferred.length > 0 ? (this.preferred[this.preferred.length - 1] as number) : options.maxBatchSize;
    this.queues = Array.from({ length: Math.max(1, options.priorityLevels) }, () => []);
  }

  get depth(): number {
    return this.size;
  }

  get executing(): number {
    return this.busy;
  }

  submit(item: T, options: SubmitOptions = {}): Promise<BatchResult<R>> {
    if (this.closed) return this.refuse('closed', new UnavailableError(`model ${this.options.name} is unloading`));
    if (options.signal?.aborted)
      return this.refuse('cancelled', new CancelledError('request cancelled before it was queued'));
    if (this.size >= this.options.maxQueueSize) {
      return this.refuse(
        'queue_full',
        new ResourceExhaustedError(
          `queue of model ${this.options.name} is full (${this.options.maxQueueSize} requests waiting)`,
        ),
      );
    }
    const levels = this.queues.length;
    const priority = Math.min(levels, Math.max(1, Math.floor(options.priority ?? levels)));
    const now = this.scheduler.now();
    return new Promise<BatchResult<R>>((resolve, reject) => {
      const pending: Pending<T, R> = {
        item,
        enqueuedAt: now,
        deadline: now + (options.timeoutMs ?? this.options.timeoutMs),
        resolve,
        reject,
      };
      const queue = this.queues[priority - 1] as Array<Pending<T, R>>;
      queue.push(pending);
      this.size++;
      this.earliestDeadline = Math.min(this.earliestDeadline, pending.deadline);
      const signal = options.signal;
      if (signal) {
        const onAbort = () => {
          if (this.remove(queue, pending)) {
            this.stats.cancelledCount++;
            this.observer.rejected?.('cancelled');
            reject(new CancelledError('request cancelled while queued'));
            this.observer.depth?.(this.size);
          }
        };
        signal.addEventListener('abort', onAbort, { once: true });
        pending.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
      this.observer.depth?.(this.size);
      this.requestSchedule();
    });
  }

  /** Stops taking requests and resolves once everything queued and executing has finished. */
  async drain(): Promise<void> {
    this.closed = true;
    if (this.size === 0 && this.busy === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking requests and rejects everything still queued. */
  close(reason = 'model unloaded'): void {
    this.closed = true;
    for (const queue of this.queues) {
      for (const p of queue.splice(0)) {
        p.unlisten?.();
        this.size--;
        this.stats.rejectedCount++;
        this.observer.rejected?.('closed');
        p.reject(new UnavailableError(`model ${this.options.name}: ${reason}`));
      }
    }
    this.clearTimer();
    this.observer.depth?.(this.size);
    this.notifyIdle();
  }

  private refuse(reason: RejectReason, err: Error): Promise<never> {
    if (reason === 'cancelled') this.stats.cancelledCount++;
    else this.stats.rejectedCount++;
    this.observer.rejected?.(reason);
    return Promise.reject(err);
  }

  private requestSchedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.scheduler.defer(() => {
      this.scheduled = false;
      this.schedule();
    });
  }

  private schedule(): void {
    const now = this.scheduler.now();
    if (now >= this.earliestDeadline) this.expire(now);
    const instances = this.options.instances ?? 1;
    while (this.busy < instances && this.size > 0) {
      const n = this.readyBatchSize(now);
      if (n === 0) break;
      this.dispatch(n, now);
    }
    this.armTimer(now);
  }

  /** How many requests to send now, 0 to keep waiting. */
  private readyBatchSize(now: number): number {
    const pending = Math.min(this.size, this.options.maxBatchSize);
    const delay = this.options.maxQueueDelayMs;
    const delayExceeded = delay <= 0 || now - this.oldestEnqueue() >= delay;
    let best = 0;
    for (const p of this.preferred) if (p <= pending) best = p;
    if (best > 0 && !delayExceeded) return best;
    if (pending >= this.maxPreferred || delayExceeded) return pending;
    return 0;
  }

  private dispatch(n: number, now: number): void {
    const batch: Array<Pending<T, R>> = [];
    for (const queue of this.queues) {
      while (batch.length < n && queue.length > 0) batch.push(queue.shift() as Pending<T, R>);
    }
    this.size -= batch.length;
    this.busy++;
    this.observer.depth?.(this.size);
    const queueMs = batch.map((p) => now - p.enqueuedAt);
    for (const p of batch) p.unlisten?.();
    void this.run(batch, queueMs, now);
  }

  private async run(batch: Array<Pending<T, R>>, queueMs: number[], started: number): Promise<void> {
    let results: Array<R | Error>;
    try {
      results = await this.execute(batch.map((p) => p.item));
      if (results.length !== batch.length)
        throw new Error(`executor returned ${results.length} results for ${batch.length} requests`);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      results = batch.map(() => error);
    }
    const computeMs = this.scheduler.now() - started;
    const s = this.stats;
    s.executionCount++;
    s.inferenceCount += batch.length;
    s.computeMsTotal += computeMs;
    s.batchSizeCounts.set(batch.length, (s.batchSizeCounts.get(batch.length) ?? 0) + 1);
    for (const q of queueMs) s.queueMsTotal += q;
    this.observer.executed?.({ size: batch.length, queueMs, computeMs });
    batch.forEach((p, i) => {
      const r = results[i] as R | Error;
      if (r instanceof Error) {
        s.failureCount++;
        this.observer.completed?.(false, r);
        p.reject(r);
      } else {
        s.successCount++;
        this.observer.completed?.(true);
        p.resolve({ value: r, queueMs: queueMs[i] as number, computeMs, batchSize: batch.length });
      }
    });
    this.busy--;
    this.schedule();
    this.notifyIdle();
  }

  private expire(now: number): void {
    let earliest = Infinity;
    for (const queue of this.queues) {
      for (let i = 0; i < queue.length;) {
        const p = queue[i] as Pending<T, R>;
        if (p.deadline <= now) {
          queue.splice(i, 1);
          this.size--;
          p.unlisten?.();
          this.stats.timeoutCount++;
          this.observer.rejected?.('timeout');
          p.reject(
            new DeadlineExceededError(
              `request to model ${this.options.name} waited ${Math.round(now - p.enqueuedAt)} ms in the queue, past its timeout`,
            ),
          );
        } else {
          earliest = Math.min(earliest, p.deadline);
          i++;
        }
      }
    }
    this.earliestDeadline = earliest;
    this.observer.depth?.(this.size);
  }

  private oldestEnqueue(): number {
    let oldest = Infinity;
    for (const queue of this.queues) if (queue[0] && queue[0].enqueuedAt < oldest) oldest = queue[0].enqueuedAt;
    return oldest;
  }

  private armTimer(now: number): void {
    let at = Infinity;
    if (this.size > 0) {
      at = this.earliestDeadline;
      if (this.busy < (this.options.instances ?? 1))
        at = Math.min(at, this.oldestEnqueue() + this.options.maxQueueDelayMs);
    }
    if (at === this.timerAt) return;
    this.clearTimer();
    if (at === Infinity) return;
    this.timerAt = at;
    this.cancelTimer = this.scheduler.setTimer(Math.max(0, at - now), () => {
      this.cancelTimer = undefined;
      this.timerAt = Infinity;
      this.schedule();
    });
  }

  private clearTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAt = Infinity;
  }

  private remove(queue: Array<Pending<T, R>>, pending: Pending<T, R>): boolean {
    const i = queue.indexOf(pending);
    if (i < 0) return false;
    queue.splice(i, 1);
    this.size--;
    this.notifyIdle();
    return true;
  }

  private notifyIdle(): void {
    if (this.size > 0 || this.busy > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
