import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, DeadlineExceededError, ResourceExhaustedError } from '@va/common';
import { DynamicBatcher, type BatcherOptions, type BatchResult } from './dynamic-batcher.js';
import { ManualScheduler } from './scheduler.js';

/** An executor whose batches finish only when the test says so; records every batch. */
function controlledExecutor() {
  const batches: number[][] = [];
  const finishers: Array<() => void> = [];
  const execute = (items: number[]) => {
    batches.push(items);
    return new Promise<Array<number | Error>>((resolve) => {
      finishers.push(() => resolve(items.map((x) => (x < 0 ? new Error(`bad item ${x}`) : x * 10))));
    });
  };
  return {
    batches,
    execute,
    finishNext: () => {
      const f = finishers.shift();
      assert.ok(f, 'no batch is executing');
      f();
    },
  };
}

const defaults: BatcherOptions = {
  name: 'test',
  maxBatchSize: 8,
  preferredBatchSizes: [],
  maxQueueDelayMs: 10,
  maxQueueSize: 100,
  timeoutMs: 1_000,
  priorityLevels: 1,
};

function setup(options: Partial<BatcherOptions> = {}) {
  const clock = new ManualScheduler();
  const exec = controlledExecutor();
  const rejected: string[] = [];
  const batcher = new DynamicBatcher<number, number>({ ...defaults, ...options }, exec.execute, clock, {
    rejected: (r) => rejected.push(r),
  });
  const outcomes = new Map<number, BatchResult<number> | Error>();
  const submit = (x: number, opts?: Parameters<typeof batcher.submit>[1]) => {
    const p = batcher.submit(x, opts);
    p.then(
      (r) => outcomes.set(x, r),
      (e: Error) => outcomes.set(x, e),
    );
    return p;
  };
  return { clock, exec, batcher, submit, outcomes, rejected };
}

describe('DynamicBatcher (Triton semantics, manual clock)', () => {
  it('waits max_queue_delay for a batch to fill, then sends everything queued as one batch', async () => {
    const { clock, exec, submit, outcomes } = setup({ maxQueueDelayMs: 10 });
    for (const x of [1, 2, 3, 4, 5]) void submit(x);
    await clock.advance(9);
    assert.deepEqual(exec.batches, [], 'nothing is sent before the delay');
    await clock.advance(1);
    assert.deepEqual(exec.batches, [[1, 2, 3, 4, 5]]);
    exec.finishNext();
    await clock.flush();
    for (const x of [1, 2, 3, 4, 5]) {
      const r = outcomes.get(x) as BatchResult<number>;
      assert.equal(r.value, x * 10, 'each caller gets its own result');
      assert.equal(r.batchSize, 5);
      assert.equal(r.queueMs, 10);
    }
  });

  it('sends a full batch at once and keeps the rest for the next one', async () => {
    const { clock, exec, submit } = setup({ maxBatchSize: 4, maxQueueDelayMs: 10 });
    for (let x = 1; x <= 6; x++) void submit(x);
    await clock.flush();
    assert.deepEqual(exec.batches, [[1, 2, 3, 4]], 'max_batch_size requests go without waiting');
    await clock.advance(50);
    assert.equal(exec.batches.length, 1, 'one batch at a time per instance');
    exec.finishNext();
    await clock.flush();
    assert.deepEqual(exec.batches[1], [5, 6], 'the rest waited past the delay and goes next');
  });

  it('sends the largest preferred batch size as soon as it can be formed', async () => {
    const { clock, exec, submit } = setup({ maxBatchSize: 8, preferredBatchSizes: [2, 4], maxQueueDelayMs: 10 });
    void submit(1);
    await clock.advance(3);
    assert.deepEqual(exec.batches, []);
    void submit(2);
    void submit(3);
    await clock.flush();
    assert.deepEqual(exec.batches, [[1, 2]], 'a preferred size (2) formed: sent without waiting for the delay');
    exec.finishNext();
    await clock.flush();
    for (const x of [4, 5, 6]) void submit(x);
    await clock.flush();
    assert.deepEqual(exec.batches[1], [3, 4, 5, 6], 'four queued: the larger preferred size');
  });

  it('after the delay sends what is queued even when it is no preferred size', async () => {
    const { clock, exec, submit } = setup({ maxBatchSize: 8, preferredBatchSizes: [4, 8], maxQueueDelayMs: 5 });
    for (const x of [1, 2, 3]) void submit(x);
    await clock.advance(4);
    assert.deepEqual(exec.batches, []);
    await clock.advance(1);
    assert.deepEqual(exec.batches, [[1, 2, 3]]);
  });

  it('with a delay of 0 batches what arrived together and what queued while the model was busy', async () => {
    const { clock, exec, submit } = setup({ maxQueueDelayMs: 0 });
    void submit(1);
    void submit(2);
    await clock.flush();
    assert.deepEqual(exec.batches, [[1, 2]], 'requests of the same tick share a batch');
    for (const x of [3, 4, 5]) void submit(x);
    await clock.flush();
    assert.equal(exec.batches.length, 1);
    exec.finishNext();
    await clock.flush();
    assert.deepEqual(exec.batches[1], [3, 4, 5]);
  });

  it('rejects a request still queued after its timeout with DEADLINE_EXCEEDED and counts it', async () => {
    const { clock, exec, batcher, submit, outcomes, rejected } = setup({ maxQueueDelayMs: 100, timeoutMs: 30 });
    void submit(1);
    void submit(2, { timeoutMs: 200 });
    await clock.advance(30);
    assert.ok(
      outcomes.get(1) instanceof DeadlineExceededError,
      'timed out at its own deadline, before the batch delay',
    );
    assert.equal(outcomes.has(2), false);
    assert.deepEqual(rejected, ['timeout']);
    assert.equal(batcher.stats.timeoutCount, 1);
    await clock.advance(70);
    assert.deepEqual(exec.batches, [[2]], 'the timed-out request never reaches the model');
  });

  it('times out requests queued behind a busy model', async () => {
    const { clock, exec, submit, outcomes } = setup({ maxBatchSize: 1, maxQueueDelayMs: 0, timeoutMs: 50 });
    void submit(1);
    await clock.flush();
    void submit(2);
    await clock.advance(50);
    assert.ok(outcomes.get(2) instanceof DeadlineExceededError);
    exec.finishNext();
    await clock.flush();
    assert.equal((outcomes.get(1) as BatchResult<number>).value, 10, 'an executing batch is never interrupted');
  });

  it('holds the queue bound: requests beyond max_queue_size get RESOURCE_EXHAUSTED', async () => {
    const { clock, exec, batcher, submit, outcomes, rejected } = setup({
      maxBatchSize: 2,
      maxQueueDelayMs: 0,
      maxQueueSize: 3,
    });
    void submit(1);
    void submit(2);
    await clock.flush();
    assert.equal(batcher.executing, 1);
    for (let x = 3; x <= 7; x++) void submit(x);
    await clock.flush();
    assert.equal(batcher.depth, 3);
    for (const x of [6, 7]) assert.ok(outcomes.get(x) instanceof ResourceExhaustedError, `request ${x} refused`);
    assert.deepEqual(rejected, ['queue_full', 'queue_full']);
    exec.finishNext();
    await clock.flush();
    exec.finishNext();
    await clock.flush();
    exec.finishNext();
    await clock.flush();
    assert.deepEqual(exec.batches, [[1, 2], [3, 4], [5]]);
    assert.equal(batcher.stats.rejectedCount, 2);
    assert.equal(batcher.stats.inferenceCount, 5);
    assert.equal(batcher.stats.executionCount, 3);
  });

  it('fails only the request whose item failed, and every request when the batch fails', async () => {
    const { clock, exec, submit, outcomes } = setup({ maxQueueDelayMs: 0 });
    void submit(1);
    void submit(-1);
    void submit(3);
    await clock.flush();
    exec.finishNext();
    await clock.flush();
    assert.equal((outcomes.get(1) as BatchResult<number>).value, 10);
    assert.match((outcomes.get(-1) as Error).message, /bad item -1/);
    assert.equal((outcomes.get(3) as BatchResult<number>).value, 30);

    const clock2 = new ManualScheduler();
    const failing = new DynamicBatcher<number, number>(
      { ...defaults, maxQueueDelayMs: 0 },
      () => Promise.reject(new Error('session crashed')),
      clock2,
    );
    const results = [failing.submit(1), failing.submit(2)].map((p) =>
      p.then(
        () => 'ok',
        (e: Error) => e.message,
      ),
    );
    await clock2.flush();
    assert.deepEqual(await Promise.all(results), ['session crashed', 'session crashed']);
    assert.equal(failing.stats.failureCount, 2);
  });

  it('serves higher priority first', async () => {
    const { clock, exec, submit } = setup({ maxBatchSize: 2, maxQueueDelayMs: 0, priorityLevels: 2 });
    void submit(1);
    await clock.flush();
    void submit(2, { priority: 2 });
    void submit(3, { priority: 2 });
    void submit(4, { priority: 1 });
    await clock.flush();
    exec.finishNext();
    await clock.flush();
    assert.deepEqual(exec.batches[1], [4, 2]);
  });

  it('drops a cancelled request from the queue', async () => {
    const { clock, exec, batcher, submit, outcomes } = setup({ maxQueueDelayMs: 10 });
    const controller = new AbortController();
    void submit(1, { signal: controller.signal });
    void submit(2);
    controller.abort();
    await clock.advance(10);
    assert.ok(outcomes.get(1) instanceof CancelledError);
    assert.deepEqual(exec.batches, [[2]]);
    assert.equal(batcher.stats.cancelledCount, 1);
  });

  it('drain() finishes queued work and refuses new requests', async () => {
    const { clock, exec, batcher, submit, outcomes } = setup({ maxQueueDelayMs: 5 });
    void submit(1);
    let drained = false;
    void batcher.drain().then(() => (drained = true));
    void submit(2);
    await clock.advance(5);
    assert.match((outcomes.get(2) as Error).message, /unloading/);
    assert.equal(drained, false);
    exec.finishNext();
    await clock.flush();
    assert.equal(drained, true);
    assert.equal((outcomes.get(1) as BatchResult<number>).value, 10);
  });
});
