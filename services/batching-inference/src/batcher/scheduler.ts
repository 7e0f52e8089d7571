/**
 * Time for the batcher, injected so its behaviour can be tested step by step: `now` in
 * milliseconds, one-shot timers, and `defer` (run after the current burst of events, so requests
 * that arrive together are batched together).
 */
export interface Scheduler {
  now(): number;
  setTimer(delayMs: number, fn: () => void): () => void;
  defer(fn: () => void): void;
}

export const realScheduler: Scheduler = {
  now: () => performance.now(),
  setTimer: (delayMs, fn) => {
    const timer = setTimeout(fn, Math.max(0, delayMs));
    return () => clearTimeout(timer);
  },
  defer: (fn) => void setImmediate(fn),
};

/**
 * A clock that moves only when told. `advance(ms)` fires due timers in time order and runs
 * deferred work, letting promise callbacks settle in between.
 */
export class ManualScheduler implements Scheduler {
  private time = 0;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  private deferred: Array<() => void> = [];

  now(): number {
    return this.time;
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const timer = { at: this.time + Math.max(0, delayMs), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  /** Runs deferred work and lets promises settle, without moving time. */
  async flush(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      await settle();
      if (this.deferred.length === 0) {
        await settle();
        if (this.deferred.length === 0) return;
      }
      const work = this.deferred;
      this.deferred = [];
      for (const fn of work) fn();
    }
    throw new Error('deferred work keeps scheduling more work');
  }

  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await this.flush();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
      await this.flush();
    }
    this.time = end;
    await this.flush();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
