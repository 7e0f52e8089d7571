/**
 * Callers waiting for a condition another part of the code makes true (room in a buffer,
 * Elasticsearch back, nothing left in flight): each wait() resolves at the next wakeAll(), or ends
 * early when its AbortSignal fires, rejecting with `onAbort()` when given, else resolving.
 */
export class WakeList {
  private readonly waiters = new Set<() => void>();

  wait(signal?: AbortSignal, onAbort?: () => Error): Promise<void> {
    if (signal?.aborted) return onAbort ? Promise.reject(onAbort()) : Promise.resolve();
    return new Promise((resolve, reject) => {
      const abort = () => {
        this.waiters.delete(wake);
        if (onAbort) reject(onAbort());
        else resolve();
      };
      const wake = () => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      this.waiters.add(wake);
      signal?.addEventListener('abort', abort, { once: true });
    });
  }

  wakeAll(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiting) wake();
  }
}
